"""The pretrained-model catalog: the published lists, buildable generator blocks, names."""

from __future__ import annotations

import inspect
import types

import pytest

from i2i import hookimpl
from i2i.plugins import UnknownNameError, lookup
from i2i.zoo.catalog import ModelEntry, catalog, get_entry

# scripts/download_cyclegan_model.sh and download_pix2pix_model.sh of
# junyanz/pytorch-CycleGAN-and-pix2pix, and experiments/pretrained_launcher.py of CUT.
CYCLEGAN = {
    "apple2orange", "orange2apple", "summer2winter_yosemite", "winter2summer_yosemite",
    "horse2zebra", "zebra2horse", "monet2photo", "style_monet", "style_cezanne",
    "style_ukiyoe", "style_vangogh", "sat2map", "map2sat", "cityscapes_photo2label",
    "cityscapes_label2photo", "facades_photo2label", "facades_label2photo",
    "iphone2dslr_flower",
}
PIX2PIX = {"edges2shoes", "sat2map", "map2sat", "facades_label2photo", "day2night"}
CUT = {"horse2zebra", "cat2dog", "cityscapes"}


def test_catalog_holds_every_published_model_under_its_method():
    entries = catalog()
    by_method = {m: {e.name for e in entries.values() if e.method == m}
                 for m in ("cyclegan", "pix2pix", "cut", "fastcut")}
    assert by_method["cyclegan"] == CYCLEGAN
    assert by_method["pix2pix"] == {f"pix2pix-{n}" for n in PIX2PIX}
    assert by_method["cut"] == {f"cut-{n}" for n in CUT}
    assert by_method["fastcut"] == {f"fastcut-{n}" for n in CUT}


def test_urls_are_the_published_ones():
    assert get_entry("horse2zebra").urls == (
        "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/horse2zebra.pth",)
    assert get_entry("pix2pix-day2night").urls == (
        "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch/day2night.pth",)
    cut = get_entry("fastcut-cat2dog")
    assert cut.urls == ("http://efrosgans.eecs.berkeley.edu/CUT/pretrained_models.tar",)
    assert cut.member == "checkpoints/cat2dog_fastcut_pretrained/latest_net_G.pth"
    assert cut.download_name == "pretrained_models.tar"


@pytest.mark.parametrize("name", sorted(catalog()))
def test_generator_block_fits_its_registered_factory(name):
    """The importer builds the network from this block: its name must be a registered
    generator and every param one the factory takes (as config validation demands)."""
    entry = catalog()[name]
    factory = lookup("generators", entry.generator["name"])
    inspect.signature(factory).bind(entry.input_nc, entry.output_nc,
                                    **entry.generator["params"])


def test_architectures_follow_each_project():
    assert get_entry("style_monet").generator == {
        "name": "resnet_9blocks", "params": {"norm": "instance", "dropout": False}}
    assert get_entry("pix2pix-edges2shoes").generator == {
        "name": "unet_256", "params": {"norm": "batch", "dropout": True}}
    assert get_entry("cut-horse2zebra").generator["params"]["sampling"] == "antialias"
    assert {e.source for e in catalog().values() if e.method in ("cut", "fastcut")} == {"cut"}


def test_direction_says_what_the_generator_maps():
    assert get_entry("zebra2horse").translates == "zebra -> horse"
    assert get_entry("zebra2horse").direction == "BtoA"
    assert get_entry("pix2pix-facades_label2photo").translates == "label -> photo"
    assert get_entry("pix2pix-facades_label2photo").direction == "BtoA"  # per the README
    assert get_entry("cut-cityscapes").direction == "BtoA"  # pretrained_launcher.py
    assert get_entry("style_vangogh").translates == "photo -> Van Gogh"


def test_unknown_model_names_only_the_close_matches():
    with pytest.raises(UnknownNameError) as err:
        get_entry("hrose2zebra")
    line = str(err.value)
    assert "\n" not in line
    assert "horse2zebra" in line and "cut-horse2zebra" in line
    assert "style_monet" not in line  # not the whole catalog
    assert "--list-models" in line


def test_unknown_model_without_a_close_match_points_to_the_list():
    with pytest.raises(UnknownNameError, match="unknown model 'qqq'; \\(`i2i download"):
        get_entry("qqq")


def test_a_plugin_adds_a_model_through_register_models(fresh_plugins):
    from i2i.plugins import get_plugin_manager

    entry = ModelEntry("my-model", "cyclegan", "junyanz", ("a", "b"), "AtoB", "mine",
                       {"name": "resnet_6blocks", "params": {}}, "a test model",
                       "MIT", "https://example.org", urls=("https://example.org/g.pth",))
    plugin = types.SimpleNamespace(register_models=hookimpl(lambda: {"my-model": entry}))
    get_plugin_manager().register(plugin, name="test-models")
    assert get_entry("my-model") is entry
    assert "horse2zebra" in catalog()  # the built-ins are still there
