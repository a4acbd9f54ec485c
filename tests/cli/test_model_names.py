"""A downloaded catalog model's name works wherever a run does (translate, export)."""

from __future__ import annotations

import io
import types

import numpy as np
import pytest
import torch
from download_server import FileServer

from cli.test_import_reference import by_hand, image_folder, reference_resnet, run_net
from i2i import hookimpl
from i2i.data import download
from i2i.nets.generators.resnet import ResnetGenerator
from i2i.zoo.catalog import ModelEntry

URL_PATH = "/models/tiny_h2z.pth"


def _bytes(state: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


@pytest.fixture
def tiny_model(tmp_path, monkeypatch, fresh_plugins):
    """A plugin catalog entry 'tiny_h2z' (a reference-format ResNet, ngf 4) on a local
    server, and a fresh i2i home; yields (server, cli-visible name)."""
    monkeypatch.setenv("I2I_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("I2I_OFFLINE", "0")
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    server = FileServer().start()
    server.files[URL_PATH] = _bytes(reference_resnet(seed=1))
    entry = ModelEntry("tiny_h2z", "cyclegan", "junyanz", ("horse", "zebra"), "AtoB",
                       "horse2zebra", {"name": "resnet_9blocks", "params": {"ngf": 4}},
                       "a tiny test model", "MIT", "https://example.org",
                       urls=(f"{server.url}{URL_PATH}",))
    plugin = types.SimpleNamespace(register_models=hookimpl(lambda: {"tiny_h2z": entry}))
    from i2i.plugins import get_plugin_manager

    get_plugin_manager().register(plugin, name="test-model-names")
    yield server
    server.stop()


def _i2i_net(seed: int) -> ResnetGenerator:
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=9)
    net.load_state_dict(by_hand(reference_resnet(seed=seed)))
    return net


def _translate(cli, folder, out) -> np.ndarray:
    from PIL import Image

    result = cli("translate", "tiny_h2z", str(folder), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    return np.asarray(Image.open(out / "x.png").convert("RGB"), dtype=int)


def test_a_model_not_downloaded_says_how_to_get_it(cli, tmp_path, tiny_model):
    folder, _ = image_folder(tmp_path)
    result = cli("translate", "tiny_h2z", str(folder), "--out", str(tmp_path / "o"))
    assert result.exit_code != 0
    assert "i2i download --model tiny_h2z" in result.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_a_downloaded_model_translates_by_name_like_its_weights(cli, tmp_path, tiny_model,
                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)  # the bare name must not be taken for a folder here
    assert cli("download", "--model", "tiny_h2z", "--quiet").exit_code == 0
    folder, image = image_folder(tmp_path)
    written = _translate(cli, folder, tmp_path / "out1")
    assert np.abs(written - run_net(_i2i_net(1), image)).max() <= 1
    assert np.abs(written - image).mean() > 2
    # the other direction was never published: one line, not a traceback
    result = cli("translate", "tiny_h2z", str(folder), "--out", str(tmp_path / "o2"),
                 "--direction", "BtoA")
    assert result.exit_code != 0 and "BtoA" in result.output


def test_a_model_fetched_again_is_imported_again(cli, tmp_path, tiny_model):
    assert cli("download", "--model", "tiny_h2z", "--quiet").exit_code == 0
    folder, image = image_folder(tmp_path)
    first = _translate(cli, folder, tmp_path / "out1")
    tiny_model.files[URL_PATH] = _bytes(reference_resnet(seed=2))
    assert cli("download", "--model", "tiny_h2z", "--force", "--quiet").exit_code == 0
    second = _translate(cli, folder, tmp_path / "out2")
    assert np.abs(second - run_net(_i2i_net(2), image)).max() <= 1
    assert np.abs(second - first).max() > 2


def test_a_model_exports_by_name(cli, tmp_path, tiny_model):
    assert cli("download", "--model", "tiny_h2z", "--quiet").exit_code == 0
    out = tmp_path / "tiny.pt"
    result = cli("export", "tiny_h2z", "--format", "torchscript", "--size", "32", "--out",
                 str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(torch.jit.load(str(out))(x), _i2i_net(1).eval()(x), atol=1e-4)


def test_a_mistyped_model_name_lists_the_close_matches(cli, tmp_path, tiny_model):
    folder, _ = image_folder(tmp_path)
    result = cli("translate", "tiny_h2", str(folder), "--out", str(tmp_path / "o"))
    assert result.exit_code != 0
    assert "did you mean the model tiny_h2z" in result.output


def test_a_folder_with_a_model_name_says_it_hides_the_model(cli, tmp_path, tiny_model,
                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny_h2z").mkdir()  # e.g. a dataset downloaded under that name
    folder, _ = image_folder(tmp_path)
    result = cli("translate", "tiny_h2z", str(folder), "--out", str(tmp_path / "o"))
    assert result.exit_code != 0
    assert "for the model 'tiny_h2z'" in result.output
