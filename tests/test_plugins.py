from __future__ import annotations

import pytest

from i2i import hookimpl
from i2i.errors import PluginError
from i2i.plugins import UnknownNameError, get_plugin_manager, get_registry, lookup


def test_builtins_register_through_the_hooks(fresh_plugins):
    assert {"resnet", "resnet_9blocks", "resnet_6blocks"} <= set(get_registry("generators"))
    assert "patchgan" in get_registry("discriminators")
    assert "cyclegan" in get_registry("methods")
    assert {"gan.lsgan", "gan.vanilla", "gan.wgangp", "recon.l1"} <= set(get_registry("losses"))
    assert "toy" in get_registry("datasets")


def test_two_plugins_with_one_name_is_an_error_naming_both(fresh_plugins):
    class Clash:
        @hookimpl
        def register_generators(self):
            return {"resnet": lambda i, o: None}

    get_plugin_manager().register(Clash(), name="clashing-plugin")
    with pytest.raises(PluginError) as err:
        get_registry("generators")
    assert "clashing-plugin" in str(err.value) and "i2i.nets.builtin" in str(err.value)


def test_unknown_name_lists_the_valid_ones(fresh_plugins):
    with pytest.raises(UnknownNameError, match="choose one of: .*resnet"):
        lookup("generators", "resnot")


def test_public_front_exposes_what_plugin_authors_need():
    import i2i

    for name in ("hookimpl", "Method", "GANLoss", "WeightsEntry", "DatasetEntry",
                 "PrepareOptions", "Callback", "RunConfig"):
        assert getattr(i2i, name) is not None
    with pytest.raises(AttributeError):
        i2i.not_a_thing  # noqa: B018
