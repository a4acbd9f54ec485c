"""Hook implementations: i2i imports this module through the ``i2i`` entry point.

selfie2anime has no direct download URL (it is shared through Google Drive and Kaggle),
so the entry is *manual*: it says what to fetch, and its recipe turns the archive into
the standard unaligned layout when the user runs ``i2i prepare selfie2anime --from FILE``.
"""

from __future__ import annotations

from pathlib import Path

from i2i import DatasetEntry, PrepareOptions, PrepareReport, hookimpl, laid_out_archive

NAME = "selfie2anime"
ARCHIVE = "selfie2anime.zip"
MANUAL = (
    "download selfie2anime.zip from the U-GAT-IT page "
    "(https://github.com/taki0112/UGATIT, 'dataset' link) or Kaggle "
    "(https://www.kaggle.com/datasets/arnaud58/selfie2anime), then run "
    "`i2i prepare selfie2anime --from selfie2anime.zip --out datasets/selfie2anime` "
    "(add --drop-grayscale to drop the monochrome selfies)"
)

_extract_and_prepare = laid_out_archive("unaligned")


def prepare_selfie2anime(sources: list[Path], out: Path, opts: PrepareOptions,
                         progress: bool = True) -> PrepareReport:
    """The archive holds trainA (selfies), trainB (anime), testA, testB at 256 px."""
    return _extract_and_prepare(sources, out, opts, progress)


ENTRY = DatasetEntry(
    name=NAME,
    description="selfies <-> anime faces (3400 + 100 each, 256 px)",
    task="unpaired",
    layout="unaligned",
    licence="research use only; selfies from the Selfie dataset, anime faces curated by "
            "the U-GAT-IT authors",
    citation="Kim, Kim, Kang, Lee. U-GAT-IT: Unsupervised Generative Attentional Networks "
             "with Adaptive Layer-Instance Normalization for Image-to-Image Translation. "
             "ICLR 2020.",
    source="https://github.com/taki0112/UGATIT",
    manual=MANUAL,
    recipe=prepare_selfie2anime,
)


@hookimpl
def register_datasets() -> dict:
    return {NAME: ENTRY}
