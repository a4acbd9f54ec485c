"""`i2i download` through the CLI: list, fetch from a mirror, idempotence, bad names."""

from __future__ import annotations

import hashlib
import types

import pytest
from archive_builders import cyclegan_zip
from download_server import FileServer
from typer.testing import CliRunner

from i2i import hookimpl
from i2i.cli.main import app
from i2i.data import download
from i2i.weights import WeightsEntry, WeightsFile

runner = CliRunner()


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    srv = FileServer().start()
    srv.files["/cyclegan/datasets/mini.zip"] = cyclegan_zip("mini")
    yield srv
    srv.stop()


def test_list_shows_the_catalog_table():
    result = runner.invoke(app, ["download", "--list"])
    assert result.exit_code == 0
    for name in ("horse2zebra", "edges2shoes", "cityscapes", "paired", "unpaired"):
        assert name in result.output


def test_download_from_mirror_then_again_says_already_there(server, tmp_path):
    args = ["download", "mini", "--dir", str(tmp_path), "--mirror", server.url, "-q"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "ready" in first.output and (tmp_path / "mini" / "trainA").is_dir()
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert "already there" in second.output


def test_mirror_from_environment_variable(server, tmp_path):
    result = runner.invoke(app, ["download", "mini", "--dir", str(tmp_path), "-q"],
                           env={"I2I_DATASET_MIRROR": server.url})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mini" / "testB").is_dir()


def test_unknown_dataset_is_one_line_with_exit_code_2(tmp_path):
    result = runner.invoke(app, ["download", "hrose2zebra", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown dataset 'hrose2zebra'" in result.output
    assert "horse2zebra" in result.output
    assert "Traceback" not in result.output


def test_manual_dataset_explains_what_to_fetch(tmp_path):
    result = runner.invoke(app, ["download", "celeba", "--dir", str(tmp_path)])
    assert result.exit_code == 3
    assert "img_align_celeba.zip" in result.output


def test_unknown_weights_name_lists_the_registered_ones(fresh_plugins):
    result = runner.invoke(app, ["download", "--weights", "nosuchnet"])
    assert result.exit_code == 2
    assert "unknown weight 'nosuchnet'" in result.output


def test_weights_are_fetched_through_the_registry(server, fresh_plugins, monkeypatch):
    data = b"fake network bytes" * 100
    server.files["/w/net.pt"] = data
    entry = WeightsEntry("testnet", "a test network", (
        WeightsFile("net.pt", hashlib.sha256(data).hexdigest(), (f"{server.url}/w/net.pt",)),))
    plugin = types.SimpleNamespace(register_weights=hookimpl(lambda: {"testnet": entry}))
    from i2i.plugins import get_plugin_manager

    get_plugin_manager().register(plugin, name="test-weights")
    monkeypatch.setenv("I2I_OFFLINE", "0")
    result = runner.invoke(app, ["download", "--weights", "testnet", "-q"])
    assert result.exit_code == 0, result.output
    from i2i.weights import cache_dir

    assert (cache_dir() / "net.pt").read_bytes() == data
    listed = runner.invoke(app, ["download", "--weights", "nope"])
    assert "testnet" in listed.output


def test_no_name_is_a_usage_error():
    result = runner.invoke(app, ["download"])
    assert result.exit_code == 2
