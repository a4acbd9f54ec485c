"""The dataset catalog: what ``i2i download`` can fetch and ``i2i prepare NAME`` can build.

An entry is a :class:`DatasetEntry`. Downloadable entries carry URLs; manual entries (a
licence forbids redistribution, or there is no direct URL) carry ``manual`` instructions
and a ``recipe`` that ``i2i prepare NAME --from FILE`` runs on what the user fetched.

Names: the CycleGAN collection keeps its own names, except that ``facades`` and ``maps``
exist in both collections; the plain names are the pix2pix (paired) archives and the
CycleGAN (unpaired) zips are ``cyclegan-facades`` and ``cyclegan-maps``.

To add a dataset: return ``{"name": DatasetEntry(...)}`` from a ``register_datasets``
hookimpl in your plugin (see ``plugins/i2i-selfie2anime``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from i2i import hookimpl

CYCLEGAN_BASE = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets"
PIX2PIX_BASE = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets"

CYCLEGAN_LICENCE = "research use; images from ImageNet/Flickr/WikiArt (see CycleGAN repo)"
PIX2PIX_LICENCE = "research use; see the pix2pix repo and each original source"
CYCLEGAN_CITATION = (
    "Zhu, Park, Isola, Efros. Unpaired Image-to-Image Translation using Cycle-Consistent "
    "Adversarial Networks. ICCV 2017."
)
PIX2PIX_CITATION = (
    "Isola, Zhu, Zhou, Efros. Image-to-Image Translation with Conditional Adversarial "
    "Networks. CVPR 2017."
)

# Layouts an extracted or prepared dataset is checked against before it is called ready.
LAYOUTS = {
    "unaligned": "trainA/ trainB/ (testA/ testB/) of images",
    "aligned": "train/ (val/ test/) of side-by-side A|B images",
    "images": "any folders of images",
}

# A recipe turns hand-downloaded files into the standard layout:
# recipe(sources, out, options, progress) -> report (see i2i.data.prepare_recipes).
Recipe = Callable[..., object]


@dataclass(frozen=True)
class DatasetEntry:
    """One catalog dataset.

    ``urls`` are tried in order; ``sha256``/``size`` are ``None`` where nobody published
    them (the sha256 of what was fetched is then recorded in the dataset's manifest).
    ``published_size`` is only shown (``i2i download --list``), never checked: a size
    quoted for another copy of the file must not fail a download.
    """

    name: str
    description: str
    task: str  # "unpaired" or "paired"
    layout: str  # a key of LAYOUTS
    licence: str
    citation: str
    source: str  # home page of the collection
    urls: tuple[str, ...] = ()
    sha256: str | None = None
    size: int | None = None  # bytes of the archive, checked by the download when set
    published_size: int | None = None  # bytes someone published; for listings only
    size_source: str = ""  # where ``published_size`` comes from, or why there is none
    manual: str = ""  # what to fetch by hand, for entries without urls
    recipe: Recipe | None = None
    from_files: int = 1  # how many --from files the recipe expects

    @property
    def shown_size(self) -> int | None:
        """The byte size a listing shows: the checked one, else the published one."""
        return self.size if self.size is not None else self.published_size

    @property
    def downloadable(self) -> bool:
        return bool(self.urls)

    def archive_name(self) -> str:
        return Path(self.urls[0].split("?")[0]).name if self.urls else ""


# Byte sizes of the CycleGAN zips, from TensorFlow Datasets' url_checksums/cycle_gan.txt
# (recorded for the same files at their former host people.eecs.berkeley.edu/~taesung_park).
# The other archives' sizes are published nowhere we found: they show as "?".
CYCLEGAN_SIZES = {
    "apple2orange": 78456409, "cezanne2photo": 279885071, "facades": 35135868,
    "horse2zebra": 116867962, "iphone2dslr_flower": 339964458, "maps": 1476754427,
    "monet2photo": 305231073, "summer2winter_yosemite": 132640856,
    "ukiyoe2photo": 292946532, "vangogh2photo": 306590349,
}
TFDS_SIZES = "TensorFlow Datasets url_checksums/cycle_gan.txt, same file at its former host"
NO_SIZE = "no published size found"


def _cyclegan(name: str, description: str, layout: str = "unaligned",
              dataset: str | None = None) -> DatasetEntry:
    size = CYCLEGAN_SIZES.get(name)
    return DatasetEntry(
        name=dataset or name,
        description=description,
        task="paired" if layout == "aligned" else "unpaired",  # mini_pix2pix is A|B
        layout=layout,
        licence=CYCLEGAN_LICENCE,
        citation=CYCLEGAN_CITATION,
        source="https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix",
        urls=(f"{CYCLEGAN_BASE}/{name}.zip",),
        published_size=size,
        size_source=TFDS_SIZES if size else NO_SIZE,
    )


def _pix2pix(name: str, description: str) -> DatasetEntry:
    return DatasetEntry(
        name=name,
        description=description,
        task="paired",
        layout="aligned",
        licence=PIX2PIX_LICENCE,
        citation=PIX2PIX_CITATION,
        source="https://github.com/phillipi/pix2pix",
        urls=(f"{PIX2PIX_BASE}/{name}.tar.gz",),
        size_source=NO_SIZE,
    )


def _manual(name: str, description: str, task: str, layout: str, licence: str,
            citation: str, source: str, manual: str, from_files: int = 1) -> DatasetEntry:
    from i2i.data.prepare_recipes import recipe_for

    return DatasetEntry(
        name=name, description=description, task=task, layout=layout, licence=licence,
        citation=citation, source=source, manual=manual, recipe=recipe_for(name),
        from_files=from_files,
    )


def builtin_entries() -> dict[str, DatasetEntry]:
    entries = [
        _cyclegan("apple2orange", "ImageNet apples <-> oranges"),
        _cyclegan("summer2winter_yosemite", "Flickr Yosemite in summer <-> winter"),
        _cyclegan("horse2zebra", "ImageNet horses <-> zebras"),
        _cyclegan("monet2photo", "Monet paintings <-> Flickr landscapes"),
        _cyclegan("cezanne2photo", "Cezanne paintings <-> Flickr landscapes"),
        _cyclegan("ukiyoe2photo", "Ukiyo-e prints <-> Flickr landscapes"),
        _cyclegan("vangogh2photo", "Van Gogh paintings <-> Flickr landscapes"),
        _cyclegan("maps", "Google Maps aerial <-> map tiles (unpaired copy)",
                  dataset="cyclegan-maps"),
        _cyclegan("facades", "CMP facades labels <-> photos (unpaired copy)",
                  dataset="cyclegan-facades"),
        _cyclegan("iphone2dslr_flower", "iPhone <-> DSLR flower photos (depth of field)"),
        _cyclegan("ae_photos", "a few photos for testing translation", layout="images"),
        _cyclegan("mini", "a tiny unpaired set for smoke tests"),
        _cyclegan("mini_pix2pix", "a tiny paired set for smoke tests", layout="aligned"),
        _pix2pix("facades", "CMP facades: label map | photo (400 pairs)"),
        _pix2pix("maps", "Google Maps: aerial | map (1096 pairs)"),
        _pix2pix("edges2shoes", "UT Zappos50K: edges | shoe photo (50k pairs)"),
        _pix2pix("edges2handbags", "iGAN handbags: edges | photo (137k pairs)"),
        _pix2pix("night2day", "Transient attributes: night | day (20k pairs)"),
        _manual(
            "cityscapes", "Cityscapes: colour label map | street photo (2975 pairs)",
            "paired", "aligned",
            "Cityscapes licence: registration required, no redistribution",
            "Cordts et al. The Cityscapes Dataset for Semantic Urban Scene Understanding. "
            "CVPR 2016.",
            "https://www.cityscapes-dataset.com",
            "log in at https://www.cityscapes-dataset.com/downloads/, fetch "
            "gtFine_trainvaltest.zip and leftImg8bit_trainvaltest.zip, then run "
            "`i2i prepare cityscapes --from gtFine_trainvaltest.zip "
            "--from leftImg8bit_trainvaltest.zip --out datasets/cityscapes`",
            from_files=2,
        ),
        _manual(
            "celeba", "CelebA aligned faces (one domain, e.g. for celeba -> cartoonset)",
            "unpaired", "images",
            "CelebA agreement: non-commercial research only, no redistribution",
            "Liu, Luo, Wang, Tang. Deep Learning Face Attributes in the Wild. ICCV 2015.",
            "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
            "fetch img_align_celeba.zip from the CelebA page (Google Drive, "
            "'Align&Cropped Images'), then run `i2i prepare celeba --from "
            "img_align_celeba.zip --out datasets/celeba --size 64`; pair it with another "
            "domain with `i2i prepare DIR_A DIR_B --out ...`",
        ),
        _manual(
            "cartoonset", "Google CartoonSet 10k cartoon faces (one domain)",
            "unpaired", "images",
            "CC-BY 4.0 (Google); fetched by hand from its page",
            "Royer et al. XGAN: Unsupervised Image-to-Image Translation for Many-to-Many "
            "Mappings. 2017.",
            "https://google.github.io/cartoonset/",
            "fetch cartoonset10k.tgz from https://google.github.io/cartoonset/download.html, "
            "then run `i2i prepare cartoonset --from cartoonset10k.tgz "
            "--out datasets/cartoonset --size 64`",
        ),
    ]
    return {entry.name: entry for entry in entries}


@hookimpl
def register_datasets() -> dict:
    return builtin_entries()


def catalog() -> dict[str, DatasetEntry]:
    """Every registered catalog entry (built-in and plugins), by name."""
    from i2i.plugins import get_registry

    return {k: v for k, v in get_registry("datasets").items() if isinstance(v, DatasetEntry)}


def get_entry(name: str) -> DatasetEntry:
    """One catalog entry, or a one-line error listing the valid names."""
    from i2i.plugins import UnknownNameError

    entries = catalog()
    if name not in entries:
        raise UnknownNameError(
            f"unknown dataset '{name}'; choose one of: {', '.join(sorted(entries))} "
            "(see `i2i download --list`)"
        )
    return entries[name]
