"""Catalog models fetched from a local server: resumed, mirrored, recorded, verified."""

from __future__ import annotations

import hashlib
import json
import os
import types

import pytest
from archive_builders import make_tar_entries
from download_server import FileServer

from i2i import hookimpl
from i2i.data import download
from i2i.errors import DownloadError, WeightsError
from i2i.zoo.catalog import ModelEntry
from i2i.zoo.download import MANIFEST, fetch_models, model_file, models_dir

G = os.urandom(50_000)  # stands for a generator .pth: only its bytes matter here
CUT_TAR = "/CUT/pretrained_models.tar"
H2Z = "/cyclegan/pretrained_models/horse2zebra.pth"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("I2I_OFFLINE", "0")
    monkeypatch.delenv("I2I_DATASET_MIRROR", raising=False)
    return tmp_path / "home"


@pytest.fixture
def server(monkeypatch, home):
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    srv = FileServer().start()
    srv.files[H2Z] = G
    yield srv
    srv.stop()


def _fetch(server, *names, **kw):
    return fetch_models(list(names), mirror=server.url, progress=False, **kw)


def test_model_is_fetched_from_the_mirror_at_its_original_path(server):
    [result] = _fetch(server, "horse2zebra")
    assert result.status == "downloaded"
    assert model_file("horse2zebra") == result.path == models_dir() / "horse2zebra" / \
        "latest_net_G.pth"
    assert result.path.read_bytes() == G
    assert [path for path, _ in server.requests] == [H2Z]


def test_mirror_is_read_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("I2I_DATASET_MIRROR", server.url)
    fetch_models(["horse2zebra"], progress=False)
    assert model_file("horse2zebra").read_bytes() == G


def test_manifest_records_the_sha256_of_the_first_download(server):
    _fetch(server, "horse2zebra")
    record = json.loads((models_dir() / "horse2zebra" / MANIFEST).read_text())
    assert record["sha256"] == hashlib.sha256(G).hexdigest()
    assert record["bytes"] == len(G)
    assert record["url"] == server.url + H2Z
    assert sorted(os.listdir(models_dir() / "horse2zebra")) == [MANIFEST, "latest_net_G.pth"]


def test_a_cut_connection_is_resumed_from_where_it_stopped(server):
    server.drop_after, server.drops = 20_000, 1
    [result] = _fetch(server, "horse2zebra")
    assert result.path.read_bytes() == G
    assert server.requests == [(H2Z, None), (H2Z, "bytes=20000-")]


def test_second_fetch_does_nothing_and_says_already_there(server):
    _fetch(server, "horse2zebra")
    n_requests = len(server.requests)
    [again] = _fetch(server, "horse2zebra")
    assert again.status == "already there" and len(server.requests) == n_requests


def test_a_corrupted_cached_file_is_detected_then_force_fetches_it_again(server):
    _fetch(server, "horse2zebra")
    path = model_file("horse2zebra")  # verified once: must not be trusted blindly after
    path.write_bytes(bytes(len(G)))  # same size, other bytes
    with pytest.raises(WeightsError, match="no longer matches the sha256 recorded at "
                                           "download; run `i2i download --model "
                                           "horse2zebra --force`"):
        model_file("horse2zebra")
    with pytest.raises(WeightsError, match="rerun with --force"):
        _fetch(server, "horse2zebra")
    [fixed] = _fetch(server, "horse2zebra", force=True)
    assert fixed.status == "downloaded" and model_file("horse2zebra").read_bytes() == G
    assert sorted(p.name for p in models_dir().iterdir()) == [".downloads", "horse2zebra"]
    assert list((models_dir() / ".downloads").iterdir()) == []  # no temp or part left


def test_model_file_of_a_model_not_downloaded_says_what_to_run(home):
    with pytest.raises(WeightsError, match="model 'horse2zebra' is not downloaded; run "
                                           "`i2i download --model horse2zebra`$"):
        model_file("horse2zebra")


def test_offline_refuses_before_any_request(server, monkeypatch):
    monkeypatch.setenv("I2I_OFFLINE", "1")
    with pytest.raises(WeightsError, match="I2I_OFFLINE"):
        _fetch(server, "horse2zebra")
    assert server.requests == [] and not models_dir().exists()


def test_a_failed_download_leaves_no_model_folder(server):
    del server.files[H2Z]
    with pytest.raises(DownloadError, match="HTTP 404"):
        _fetch(server, "horse2zebra")
    assert not (models_dir() / "horse2zebra").exists()
    assert list(models_dir().iterdir()) == []  # no empty .downloads/ either


def _cut_tar(prefix: str = "checkpoints/") -> bytes:
    return make_tar_entries([
        (f"{prefix}horse2zebra_cut_pretrained/latest_net_G.pth", b"cut h2z " + G),
        (f"{prefix}horse2zebra_cut_pretrained/latest_net_D.pth", b"discriminator"),
        (f"{prefix}cat2dog_fastcut_pretrained/latest_net_G.pth", b"fastcut c2d " + G),
    ])


def test_cut_models_come_from_one_archive_fetched_once_keeping_only_the_generator(server):
    server.files[CUT_TAR] = _cut_tar()
    _fetch(server, "cut-horse2zebra", "fastcut-cat2dog")
    assert model_file("cut-horse2zebra").read_bytes() == b"cut h2z " + G
    assert model_file("fastcut-cat2dog").read_bytes() == b"fastcut c2d " + G
    assert [p for p, _ in server.requests] == [CUT_TAR]
    record = json.loads((models_dir() / "cut-horse2zebra" / MANIFEST).read_text())
    assert record["member"] == "checkpoints/horse2zebra_cut_pretrained/latest_net_G.pth"
    assert record["archive_sha256"] == hashlib.sha256(server.files[CUT_TAR]).hexdigest()
    # only the two model folders remain: no archive, extraction or discriminator
    assert sorted(p.name for p in models_dir().rglob("*") if p.is_file()) == \
        [MANIFEST, MANIFEST, "latest_net_G.pth", "latest_net_G.pth"]


def test_cut_member_is_found_when_the_archive_wraps_it_in_another_folder(server):
    server.files[CUT_TAR] = _cut_tar(prefix="pretrained_models/")
    _fetch(server, "cut-horse2zebra")
    assert model_file("cut-horse2zebra").read_bytes() == b"cut h2z " + G


def test_an_archive_without_the_member_is_one_line(server):
    server.files[CUT_TAR] = make_tar_entries([("checkpoints/other/latest_net_G.pth", G)])
    with pytest.raises(DownloadError, match="holds no checkpoints/cat2dog_cut_pretrained/"
                                            "latest_net_G.pth"):
        _fetch(server, "cut-cat2dog")
    assert not (models_dir() / "cut-cat2dog").exists()


def test_an_unsafe_archive_is_refused_and_writes_nothing_outside(server, home):
    server.files[CUT_TAR] = make_tar_entries([
        ("checkpoints/horse2zebra_cut_pretrained/latest_net_G.pth", G),
        ("../../escaped.pth", b"evil")])
    with pytest.raises(DownloadError, match="i2i deleted pretrained_models.tar"):
        _fetch(server, "cut-horse2zebra")
    assert not list(home.parent.rglob("escaped.pth"))
    assert not (models_dir() / "cut-horse2zebra").exists()
    assert not (models_dir() / ".downloads" / "pretrained_models.tar").exists()


def test_a_plugin_model_is_downloaded_from_its_own_url(server, fresh_plugins):
    server.files["/mine/g.pth"] = G
    entry = ModelEntry("mine", "cyclegan", "junyanz", ("a", "b"), "AtoB", "mine",
                       {"name": "resnet_9blocks", "params": {}}, "a plugin model", "MIT",
                       "https://example.org", urls=(f"{server.url}/mine/g.pth",),
                       sha256=hashlib.sha256(G).hexdigest(), size=len(G))
    plugin = types.SimpleNamespace(register_models=hookimpl(lambda: {"mine": entry}))
    from i2i.plugins import get_plugin_manager

    get_plugin_manager().register(plugin, name="test-models-dl")
    fetch_models(["mine"], progress=False)
    assert model_file("mine").read_bytes() == G
    server.files["/mine/g.pth"] = b"x" * len(G)  # a published sha256 is checked
    with pytest.raises(DownloadError, match="fails its sha256 check"):
        fetch_models(["mine"], force=True, progress=False)
    assert model_file("mine").read_bytes() == G  # the good copy stays in place


def test_an_unwritable_cache_is_one_line_before_any_request(server, monkeypatch):
    import errno
    import tempfile

    from i2i.errors import OutputError

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)  # root ignores chmod; a mount does not
    with pytest.raises(OutputError, match="the model cache \\(I2I_HOME\\) .*Read-only file "
                                          "system"):
        _fetch(server, "horse2zebra")
    assert server.requests == []
