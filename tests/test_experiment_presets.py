"""Every examples/experiments/*.yaml resolves into a valid RunConfig (nothing is trained)."""

from __future__ import annotations

from pathlib import Path

import pytest

from i2i.config import check_factory_params
from i2i.nets.discriminators.patchgan import check_fits
from i2i.nets.unit_nets import unit_nets
from i2i.plugins import lookup
from i2i.runs import resolve_train_config

EXPERIMENTS = Path(__file__).resolve().parents[1] / "examples" / "experiments"
FILES = sorted(EXPERIMENTS.glob("*.yaml"))


def test_there_is_a_preset_per_table_row():
    names = {p.stem for p in FILES}
    for data in ("facades", "maps", "cityscapes"):
        for row in ("l1", "l2", "l1_l2", "patch16", "patch286", "noskip"):
            assert f"pix2pix_{data}_{row}" in names
    for row in ("cycle_l1", "cycle_l2", "cycle_l1_l2", "gan_alone", "cycle_alone",
                "gan_forward_cycle", "gan_backward_cycle", "no_identity", "resize_conv_nearest",
                "zero_padding", "antialias", "d_noise", "tv"):
        assert f"cyclegan_horse2zebra_{row}" in names
    for data in ("horse2zebra", "selfie2anime"):
        for method in ("cut", "fastcut", "sc", "sc_learned", "cyclegan_scl"):
            assert f"{method}_{data}" in names
    for data in ("selfie2anime", "cityscapes"):
        for method in ("cogan", "bigan", "simgan", "featgan", "dtn"):
            assert f"{method}_{data}" in names
    for method in ("unit", "cyclegan_vae"):
        assert f"{method}_celeb2cartoon" in names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_experiment_preset_validates(path):
    cfg = resolve_train_config(None, None, str(path), {}, [])
    assert cfg.method in ("pix2pix", "cyclegan", "cut", "fastcut", "sc", "cogan", "bigan",
                          "simgan", "featgan", "dtn", "latent_transfer", "cyclegan_nst",
                          "bicyclegan", "unit", "cyclegan_vae")
    assert cfg.name == path.stem
    assert cfg.data.root.startswith("./datasets/")
    if cfg.method == "cogan":  # builds coupled nets of its own: build them (no training)
        from i2i.methods.cogan import FACTORIES

        for kind, factory in FACTORIES.items():
            block = getattr(cfg, kind)
            check_factory_params(factory, block.params, kind, skip=3)
    else:
        # UNIT builds its own encoder/decoder pairs from generator.params (no registry entry)
        generator = unit_nets if cfg.method == "unit" else lookup("generators",
                                                                  cfg.generator.name)
        check_factory_params(generator, cfg.generator.params, "generator", skip=2)
        disc = lookup("discriminators", cfg.discriminator.name)
        check_factory_params(disc, cfg.discriminator.params, "discriminator", skip=1)
        # The geometry does not depend on the width: a narrow copy checks the field fits.
        check_fits(disc(6, **{**cfg.discriminator.params, "ndf": 2}), cfg.data.crop_size)
    lookup("losses", f"recon.{cfg.loss.recon}")
    for key, spec in cfg.loss.terms.items():  # every term names a registered one
        term = lookup("terms", spec.get("name", key))
        check_factory_params(term, spec.get("params", {}), f"loss.terms.{key}", skip=1)
    lookup("losses", f"recon.{cfg.loss.cycle}")
    lookup("losses", f"gan.{cfg.loss.gan}")


def test_experiment_rows_set_what_their_names_say():
    def load(stem):
        return resolve_train_config(None, None, str(EXPERIMENTS / f"{stem}.yaml"), {}, [])

    assert load("pix2pix_maps_l2").loss.recon == "l2"
    assert load("pix2pix_facades_l1").data.direction == "BtoA"
    assert load("pix2pix_cityscapes_noskip").generator.name == "encoder_decoder"
    assert load("pix2pix_maps_patch16").discriminator.params["receptive_field"] == 16
    assert load("pix2pix_maps_patch16").generator.name == "unet_256"
    assert load("cyclegan_horse2zebra_cycle_alone").loss.gan_weight == 0
    assert load("cyclegan_horse2zebra_gan_forward_cycle").loss.backward_cycle is False
    zero = load("cyclegan_horse2zebra_zero_padding").generator.params
    assert zero["padding"] == "zero" and zero["n_blocks"] == 9  # preset params kept
