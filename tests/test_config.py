from __future__ import annotations

import pytest

from i2i.config import build_config, check_factory_params, merge, parse_override
from i2i.errors import ConfigError
from i2i.nets.generators.resnet import resnet
from i2i.runs import resolve_train_config


def test_layers_apply_in_order_defaults_preset_config_cli_set(tmp_path):
    user = tmp_path / "user.yaml"
    user.write_text("data: {batch_size: 3, crop_size: 128}\nloss: {lambda_A: 5}\n")
    cfg = resolve_train_config("cyclegan", "cyclegan_horse2zebra", str(user),
                               {"data": {"crop_size": 64}}, ["loss.lambda_A=7"])
    assert cfg.data.root == "./datasets/horse2zebra"  # from the preset
    assert cfg.data.batch_size == 3  # from --config
    assert cfg.data.crop_size == 64  # the command line beats --config
    assert cfg.loss.lambda_A == 7.0  # --set beats everything
    assert cfg.generator.params["n_blocks"] == 9  # the method's defaults


def test_builtin_toy_brings_its_small_network_unless_overridden():
    cfg = resolve_train_config("cyclegan", None, None, {"data": {"root": "builtin:toy"}}, [])
    assert cfg.generator.params["ngf"] == 32
    cfg = resolve_train_config("cyclegan", None, None, {"data": {"root": "builtin:toy"}},
                               ["generator.params.ngf=8"])
    assert cfg.generator.params["ngf"] == 8


def test_unknown_key_lists_the_valid_keys():
    with pytest.raises(ConfigError, match=r"unknown setting 'data.bacth_size'.*batch_size"):
        build_config([{"data": {"bacth_size": 2}}])


def test_wrong_type_is_one_line():
    with pytest.raises(ConfigError, match=r"'data.batch_size' must be int, got 'two'"):
        build_config([parse_override("data.batch_size=two")])


def test_value_outside_choices_lists_them():
    with pytest.raises(ConfigError, match="choose one of: resize_and_crop, crop"):
        build_config([{"data": {"preprocess": "stretch"}}])


def test_set_parses_yaml_values_and_nested_keys():
    assert parse_override("a.b.c=3") == {"a": {"b": {"c": 3}}}
    assert parse_override("x=[1, 2]") == {"x": [1, 2]}
    assert parse_override("flag=false") == {"flag": False}
    with pytest.raises(ConfigError):
        parse_override("novalue")


def test_changing_a_component_name_drops_the_old_params():
    base = {"generator": {"name": "resnet", "params": {"n_blocks": 9}}}
    assert merge(base, {"generator": {"name": "unet"}})["generator"]["params"] == {}
    kept = merge(base, {"generator": {"params": {"ngf": 8}}})
    assert kept["generator"]["params"] == {"n_blocks": 9, "ngf": 8}


def test_factory_params_are_checked_against_the_signature():
    check_factory_params(resnet, {"n_blocks": 6}, "generator", skip=2)
    with pytest.raises(ConfigError, match=r"generator.params.blocks'; valid: ngf, n_blocks"):
        check_factory_params(resnet, {"blocks": 6}, "generator", skip=2)
    with pytest.raises(ConfigError, match="must be int"):
        check_factory_params(resnet, {"n_blocks": "six"}, "generator", skip=2)


def test_method_from_config_file_when_not_on_the_command_line(tmp_path):
    user = tmp_path / "c.yaml"
    user.write_text("method: cyclegan\n")
    assert resolve_train_config(None, None, str(user), {}, []).method == "cyclegan"
    with pytest.raises(ConfigError, match="name a method"):
        resolve_train_config(None, None, None, {}, [])


def test_broken_yaml_names_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data:\n  batch_size: [1,\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        resolve_train_config("cyclegan", None, str(bad), {}, [])


def test_changing_the_discriminator_keeps_its_pack_and_drops_the_old_params():
    cfg = build_config([{"discriminator": {"name": "patchgan", "params": {"n_layers": 2},
                                           "pack": 2}},
                        {"discriminator": {"name": "pixelgan"}}])
    assert cfg.discriminator.pack == 2 and cfg.discriminator.params == {}


def test_a_method_refuses_an_option_it_does_not_have():
    import torch

    from i2i.methods.cyclegan import CycleGAN
    from i2i.runs import resolve_train_config

    cfg = resolve_train_config("cyclegan", None, None, {}, ["options.translate_steps=5"])
    with pytest.raises(ConfigError, match="unknown setting 'options.translate_steps' for "
                                          "cyclegan; valid options: none"):
        CycleGAN(cfg, torch.device("cpu"), training=False)


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "'options.translate_steps' is 'abc'; it must be a whole number"),
    ("2.5", "'options.translate_steps' is 2.5; it must be a whole number"),
    ("-1", "'options.translate_steps' is -1; it must be >= 0"),
])
def test_a_method_option_of_the_wrong_type_or_range_is_one_line(value, message):
    import torch

    from i2i.methods.cogan import CoGAN

    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 32}}
    cfg = resolve_train_config("cogan", None, None, layer, [f"options.translate_steps={value}"])
    with pytest.raises(ConfigError, match=message) as err:
        CoGAN(cfg, torch.device("cpu"), training=False)
    assert "\n" not in str(err.value)
