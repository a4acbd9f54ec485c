"""The pretrained-model catalog: official generators ``i2i download --model NAME`` fetches.

An entry is a :class:`ModelEntry`: where the reference project publishes one generator,
what it translates, and everything needed to rebuild the network in i2i (method, whose
checkpoint layout it follows, the generator config block, channels). Converting the
downloaded reference ``.pth`` into an i2i run is the reference-checkpoint importer's job;
this module only describes and :mod:`i2i.zoo.download` only fetches.

Names: the 18 CycleGAN generators keep the names of ``download_cyclegan_model.sh``; the
pix2pix ones are ``pix2pix-<name>`` (three of them share a name with a CycleGAN model)
and CUT's are ``cut-<name>`` / ``fastcut-<name>``.

Facts and where they come from (no project publishes checksums, so the sha256 of a
download is recorded at first download and checked from then on):

* CycleGAN: the model list and ``.../cyclegan/pretrained_models/NAME.pth`` from
  ``scripts/download_cyclegan_model.sh`` of junyanz/pytorch-CycleGAN-and-pix2pix; tested
  there with ``--no_dropout`` (ResNet 9 blocks, instance norm: the repo's defaults).
* pix2pix: the list (edges2shoes, sat2map, map2sat, facades_label2photo, day2night) and
  ``.../pix2pix/models-pytorch/NAME.pth`` from ``scripts/download_pix2pix_model.sh``
  (U-Net 256, batch norm, dropout: the pix2pix defaults); ``facades_label2photo`` is
  ``--direction BtoA`` per the README ("Facades dataset's A to B direction is photos to
  labels"). No edges2handbags model is published.
* CUT/FastCUT: one archive, ``http://efrosgans.eecs.berkeley.edu/CUT/pretrained_models.tar``
  (its https address answers 404, per the CUT issue tracker), holding
  ``checkpoints/<exp>_pretrained/latest_net_G.pth`` for horse2zebra, cat2dog and
  cityscapes, CUT and FastCUT (README and ``experiments/pretrained_launcher.py``, which
  also gives cityscapes ``--direction BtoA``). CUT's generator is ResNet 9 blocks with
  anti-aliased down/upsampling, instance norm, no dropout.
* Sizes: none of the three projects publishes the byte size of a model file or of the
  CUT archive, so ``size`` is None ("?" in listings) rather than a guess.
* Licence: both repositories are BSD (2-clause) licensed; the weights carry no licence of
  their own and derive from the datasets they were trained on.

``direction`` is relative to the dataset as its project lays it out (``domains`` names
its A and B). i2i's own ``cityscapes`` recipe writes label|photo, the other way round
from pix2pix's photo|label; the importer should go by ``domains``.

To add a model: return ``{"name": ModelEntry(...)}`` from a ``register_models`` hookimpl
in your plugin.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath

from i2i import hookimpl

EFROS = "http://efrosgans.eecs.berkeley.edu"
JUNYANZ_REPO = "https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix"
CUT_REPO = "https://github.com/taesungp/contrastive-unpaired-translation"
CUT_ARCHIVE = f"{EFROS}/CUT/pretrained_models.tar"
NO_SIZE = "not published by the project"

JUNYANZ_LICENCE = "BSD-2-Clause (pytorch-CycleGAN-and-pix2pix); data terms of the dataset"
CUT_LICENCE = "BSD-2-Clause (contrastive-unpaired-translation); data terms of the dataset"

CYCLEGAN_G = {"name": "resnet_9blocks", "params": {"norm": "instance", "dropout": False}}
PIX2PIX_G = {"name": "unet_256", "params": {"norm": "batch", "dropout": True}}
CUT_G = {"name": "resnet_9blocks",
         "params": {"norm": "instance", "dropout": False, "sampling": "antialias"}}

METHODS = ("cyclegan", "pix2pix", "cut", "fastcut")
SOURCES = ("junyanz", "cut")  # whose checkpoint layout the file follows


@dataclass(frozen=True)
class ModelEntry:
    """One published pretrained generator.

    ``urls`` are tried in order. When the download is an archive, ``member`` is the path
    of the generator inside it (found by its last two path parts if the archive wraps it
    differently). ``sha256`` is of the download, where a project publishes one; ``size``
    is its published byte size (None: unpublished; ``size_source`` says where it is from).
    """

    name: str
    method: str  # one of METHODS
    source: str  # one of SOURCES
    domains: tuple[str, str]  # what A and B of its dataset are, e.g. ("horse", "zebra")
    direction: str  # "AtoB" or "BtoA" of that dataset
    dataset: str  # what it was trained on (an i2i catalog name where there is one)
    generator: dict  # an i2i generator config block: {"name": ..., "params": {...}}
    description: str
    licence: str
    home: str  # the project page
    urls: tuple[str, ...] = ()
    member: str = ""
    input_nc: int = 3
    output_nc: int = 3
    size: int | None = None
    size_source: str = NO_SIZE
    sha256: str | None = None

    @property
    def translates(self) -> str:
        """What the generator maps, e.g. ``"horse -> zebra"``."""
        a, b = self.domains
        return f"{a} -> {b}" if self.direction == "AtoB" else f"{b} -> {a}"

    @property
    def download_name(self) -> str:
        """File name of the download (the archive's name for archive entries)."""
        return PurePosixPath(self.urls[0].split("?")[0]).name if self.urls else ""

    def generator_config(self) -> dict:
        """A copy of the generator block, safe to modify."""
        return copy.deepcopy(self.generator)

    def as_dict(self) -> dict:
        """Every field plus ``translates``: the stable keys of ``--list-models --json``."""
        data = asdict(self)
        data["domains"] = list(self.domains)
        data["urls"] = list(self.urls)
        data["translates"] = self.translates
        return data


def _cyclegan(name: str, domains: tuple[str, str], direction: str, dataset: str,
              description: str) -> ModelEntry:
    return ModelEntry(
        name=name, method="cyclegan", source="junyanz", domains=domains,
        direction=direction, dataset=dataset, generator=CYCLEGAN_G,
        description=description, licence=JUNYANZ_LICENCE, home=JUNYANZ_REPO,
        urls=(f"{EFROS}/cyclegan/pretrained_models/{name}.pth",),
    )


def _pix2pix(name: str, domains: tuple[str, str], direction: str, dataset: str,
             description: str) -> ModelEntry:
    return ModelEntry(
        name=f"pix2pix-{name}", method="pix2pix", source="junyanz", domains=domains,
        direction=direction, dataset=dataset, generator=PIX2PIX_G,
        description=description, licence=JUNYANZ_LICENCE, home=JUNYANZ_REPO,
        urls=(f"{EFROS}/pix2pix/models-pytorch/{name}.pth",),
    )


def _cut(method: str, exp: str, domains: tuple[str, str], direction: str, dataset: str,
         description: str) -> ModelEntry:
    return ModelEntry(
        name=f"{method}-{exp}", method=method, source="cut", domains=domains,
        direction=direction, dataset=dataset, generator=CUT_G,
        description=description, licence=CUT_LICENCE, home=CUT_REPO,
        urls=(CUT_ARCHIVE,), member=f"checkpoints/{exp}_{method}_pretrained/latest_net_G.pth",
    )


def builtin_entries() -> dict[str, ModelEntry]:
    ab, ba = "AtoB", "BtoA"
    horse, apple, yosemite = ("horse", "zebra"), ("apple", "orange"), ("summer", "winter")
    cityscapes, facades = ("photo", "label"), ("photo", "label")
    entries = [
        _cyclegan("apple2orange", apple, ab, "apple2orange", "CycleGAN paper, ImageNet"),
        _cyclegan("orange2apple", apple, ba, "apple2orange", "CycleGAN paper, ImageNet"),
        _cyclegan("summer2winter_yosemite", yosemite, ab, "summer2winter_yosemite",
                  "Flickr Yosemite photos"),
        _cyclegan("winter2summer_yosemite", yosemite, ba, "summer2winter_yosemite",
                  "Flickr Yosemite photos"),
        _cyclegan("horse2zebra", horse, ab, "horse2zebra", "CycleGAN paper, ImageNet"),
        _cyclegan("zebra2horse", horse, ba, "horse2zebra", "CycleGAN paper, ImageNet"),
        _cyclegan("monet2photo", ("Monet", "photo"), ab, "monet2photo",
                  "paintings to Flickr landscapes"),
        _cyclegan("style_monet", ("Monet", "photo"), ba, "monet2photo",
                  "landscape photos in Monet's style"),
        _cyclegan("style_cezanne", ("Cezanne", "photo"), ba, "cezanne2photo",
                  "landscape photos in Cezanne's style"),
        _cyclegan("style_ukiyoe", ("ukiyo-e", "photo"), ba, "ukiyoe2photo",
                  "landscape photos as ukiyo-e prints"),
        _cyclegan("style_vangogh", ("Van Gogh", "photo"), ba, "vangogh2photo",
                  "landscape photos in Van Gogh's style"),
        _cyclegan("sat2map", ("aerial", "map"), ab, "cyclegan-maps", "Google Maps tiles"),
        _cyclegan("map2sat", ("aerial", "map"), ba, "cyclegan-maps", "Google Maps tiles"),
        _cyclegan("cityscapes_photo2label", cityscapes, ab, "cityscapes",
                  "street photos to colour labels"),
        _cyclegan("cityscapes_label2photo", cityscapes, ba, "cityscapes",
                  "colour labels to street photos"),
        _cyclegan("facades_photo2label", facades, ab, "cyclegan-facades", "CMP facades"),
        _cyclegan("facades_label2photo", facades, ba, "cyclegan-facades", "CMP facades"),
        _cyclegan("iphone2dslr_flower", ("iPhone", "DSLR"), ab, "iphone2dslr_flower",
                  "shallow depth of field, flowers"),
        _pix2pix("facades_label2photo", facades, ba, "facades", "pix2pix paper, CMP facades"),
        _pix2pix("sat2map", ("aerial", "map"), ab, "maps", "pix2pix paper, Google Maps"),
        _pix2pix("map2sat", ("aerial", "map"), ba, "maps", "pix2pix paper, Google Maps"),
        _pix2pix("edges2shoes", ("edges", "shoe"), ab, "edges2shoes",
                 "HED edges to UT Zappos50K shoes"),
        _pix2pix("day2night", ("night", "day"), ba, "night2day",
                 "Transient Attributes scenes"),
    ]
    for method in ("cut", "fastcut"):
        entries += [
            _cut(method, "horse2zebra", horse, ab, "horse2zebra", "CUT paper, ImageNet"),
            _cut(method, "cat2dog", ("cat", "dog"), ab, "afhq cat2dog",
                 "CUT paper, AFHQ faces (not in the i2i catalog)"),
            _cut(method, "cityscapes", cityscapes, ba, "cityscapes",
                 "CUT paper, labels to street photos"),
        ]
    return {entry.name: entry for entry in entries}


@hookimpl
def register_models() -> dict:
    return builtin_entries()


def catalog() -> dict[str, ModelEntry]:
    """Every registered model (built-in and plugins), by name."""
    from i2i.plugins import get_registry

    return {k: v for k, v in get_registry("models").items() if isinstance(v, ModelEntry)}


def get_entry(name: str) -> ModelEntry:
    """One model, or a one-line error naming the close matches."""
    from i2i.plugins import UnknownNameError

    entries = catalog()
    if name in entries:
        return entries[name]
    close = difflib.get_close_matches(name, list(entries), n=5, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise UnknownNameError(f"unknown model '{name}'; {hint}(`i2i download --list-models` "
                           "lists all)")
