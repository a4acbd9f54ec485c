"""`i2i download` through the CLI: list, fetch from a mirror, idempotence, bad names."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import time
import types

import pytest
from archive_builders import cyclegan_zip
from download_server import FileServer
from typer.testing import CliRunner

from i2i import hookimpl, weights
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


def _mini(server, tmp_path, *extra):
    return runner.invoke(app, ["download", "mini", "--dir", str(tmp_path), "--mirror",
                               server.url, "-q", *extra])


def test_force_moves_a_folder_with_the_users_files_aside_and_says_where(server, tmp_path):
    """Guards against --force deleting the old folder whole: a file the user added to
    the dataset (and a NAME.old of theirs) must survive, and the output names the place."""
    assert _mini(server, tmp_path).exit_code == 0
    (tmp_path / "mini" / "trainA" / "mine.txt").write_text("my notes")
    (tmp_path / "mini.old").mkdir()
    (tmp_path / "mini.old" / "keep.txt").write_text("older")
    result = _mini(server, tmp_path, "--force")
    assert result.exit_code == 0, result.output
    assert f"it is now {tmp_path / 'mini.old-2'}" in result.output.replace("\n", "")
    assert (tmp_path / "mini.old-2" / "trainA" / "mine.txt").read_text() == "my notes"
    assert (tmp_path / "mini.old" / "keep.txt").read_text() == "older"
    assert not (tmp_path / "mini" / "trainA" / "mine.txt").exists()
    assert (tmp_path / "mini" / ".i2i-dataset.json").is_file()


def test_force_on_a_folder_not_made_by_download_keeps_it(server, tmp_path):
    """Guards against --force (which the 'not made by i2i download' error suggests)
    deleting a folder of the user's that happens to carry the dataset's name."""
    (tmp_path / "mini").mkdir()
    (tmp_path / "mini" / "photo.jpg").write_bytes(b"mine")
    refused = _mini(server, tmp_path)
    assert refused.exit_code == 3 and "moved aside, not deleted" in refused.output
    assert _mini(server, tmp_path, "--force").exit_code == 0
    assert (tmp_path / "mini.old" / "photo.jpg").read_bytes() == b"mine"


def test_force_on_an_untouched_download_leaves_no_old_folder(server, tmp_path):
    """Guards against the opposite slip: i2i's own files are simply replaced, with no
    NAME.old or hidden temp folder piling up on every --force."""
    assert _mini(server, tmp_path).exit_code == 0
    result = _mini(server, tmp_path, "--force")
    assert result.exit_code == 0 and "kept" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".downloads", "mini"]


def test_force_moves_a_folder_with_a_file_the_user_changed_aside(server, tmp_path):
    """Guards: --force deleting a dataset image the user edited (same name, other size),
    since only files the manifest does not list were counted as the user's."""
    assert _mini(server, tmp_path).exit_code == 0
    edited = sorted((tmp_path / "mini" / "trainA").iterdir())[0]
    edited.write_bytes(edited.read_bytes() + b"my edit")
    mine = edited.read_bytes()
    result = _mini(server, tmp_path, "--force")
    assert result.exit_code == 0, result.output
    assert f"it is now {tmp_path / 'mini.old'}" in result.output.replace("\n", "")
    assert (tmp_path / "mini.old" / "trainA" / edited.name).read_bytes() == mine
    assert (tmp_path / "mini" / "trainA" / edited.name).read_bytes() != mine


def test_no_space_to_extract_keeps_the_archive_and_the_rerun_does_not_download(
        server, tmp_path, monkeypatch):
    """Guards against deleting a good archive when the disk is full (the rerun would
    fetch it again) and against a message without the folder and the space needed."""
    from i2i.data import extract

    real = shutil.disk_usage
    monkeypatch.setattr(extract.shutil, "disk_usage",
                        lambda path: real(path)._replace(free=10))
    full = _mini(server, tmp_path)
    assert full.exit_code == 6
    line = full.output.replace("\n", "")
    assert f"not enough space to extract mini.zip into {tmp_path}" in line
    assert "it needs" in line and "is kept, so the rerun does not download it again" in line
    assert (tmp_path / ".downloads" / "mini.zip").is_file()
    assert not (tmp_path / "mini").exists()
    monkeypatch.setattr(extract.shutil, "disk_usage", real)
    n_requests = len(server.requests)
    again = _mini(server, tmp_path)
    assert again.exit_code == 0, again.output
    assert len(server.requests) == n_requests
    assert (tmp_path / "mini" / "trainA").is_dir()


def test_truncated_archive_message_says_what_i2i_did(server, tmp_path):
    """Guards against the old line asking the user to delete a file i2i had deleted."""
    good = server.files["/cyclegan/datasets/mini.zip"]
    server.files["/cyclegan/datasets/mini.zip"] = good[: len(good) // 2]
    result = _mini(server, tmp_path)
    assert result.exit_code == 6
    assert result.output.count("\n") == 1, result.output  # one line, not repeated
    assert "truncated" in result.output
    assert "i2i deleted mini.zip: rerun to download it again" in result.output
    assert "delete it" not in result.output
    assert not (tmp_path / ".downloads" / "mini.zip").exists()


def test_unwritable_dir_is_one_line_before_any_download(server, tmp_path, monkeypatch):
    """Guards against finding out only when the first byte is written (a traceback, or
    a PartialFailure per dataset): a read-only --dir stops everything up front."""
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)  # root ignores chmod; a mount does not
    result = runner.invoke(app, ["download", "mini", "horse2zebra", "--dir", str(tmp_path),
                                 "--mirror", server.url, "-q"])
    assert result.exit_code == 1  # README: an output that cannot be written
    assert f"cannot write into --dir {tmp_path}: Read-only file system" in result.output
    assert "Traceback" not in result.output and server.requests == []


def test_dir_below_a_file_is_one_line(server, tmp_path):
    """Guards against a NotADirectoryError traceback when --dir cannot be a folder."""
    (tmp_path / "afile").write_text("x")
    result = _mini(server, tmp_path / "afile" / "sub")
    assert result.exit_code == 1 and "cannot write into --dir" in result.output
    assert server.requests == []


@pytest.mark.parametrize("how", ["option", "env"])
def test_mirror_that_is_not_a_url_is_refused_before_any_work(tmp_path, how):
    """Guards against a bad mirror surfacing only after 5 network tries (or as a
    traceback): it is a usage error, and no folder is made."""
    args = ["download", "mini", "--dir", str(tmp_path / "d"), "-q"]
    env = {"I2I_DATASET_MIRROR": "not a url"} if how == "env" else {}
    if how == "option":
        args += ["--mirror", "not a url"]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2
    assert "'not a url' is not a URL" in result.output
    assert not (tmp_path / "d").exists()


NET = b"the real network" * 64


@pytest.fixture
def netdir(fresh_plugins, tmp_path, monkeypatch):
    """A registered network 'testnet' (net.pt, sha256 of NET) and a weights folder for it,
    with the remember-after-settling delay off so a just-written file is remembered."""
    entry = WeightsEntry("testnet", "a test network", (
        WeightsFile("net.pt", hashlib.sha256(NET).hexdigest()),))
    plugin = types.SimpleNamespace(register_weights=hookimpl(lambda: {"testnet": entry}))
    from i2i.plugins import get_plugin_manager

    get_plugin_manager().register(plugin, name="test-weights-dir")
    folder = tmp_path / "weights"
    folder.mkdir()
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(folder))
    monkeypatch.setenv("I2I_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(weights, "SETTLE_S", 0.0)
    return folder


def _use_net():
    return runner.invoke(app, ["download", "--weights", "testnet", "-q"])


def test_a_forged_checksum_sidecar_does_not_pass_a_wrong_file(netdir):
    """Guards against trusting a .sha256ok sidecar (size + mtime) that anyone who can write
    the weights folder can forge: the wrong file would reach torch.jit.load."""
    bad = netdir / "net.pt"
    bad.write_bytes(b"X" * len(NET))
    st = bad.stat()
    sha = hashlib.sha256(NET).hexdigest()
    (netdir / "net.pt.sha256ok").write_text(f"{sha} {st.st_size} {st.st_mtime_ns}")
    result = _use_net()
    assert result.exit_code == 5
    assert "fails its sha256 check" in result.output


def test_a_file_swapped_after_verification_is_hashed_again(netdir):
    """Guards against a cache keyed by size and mtime: the same size with the old mtime
    put back (os.utime) still changes the ctime, so the swap is caught."""
    good = netdir / "net.pt"
    good.write_bytes(NET)
    assert _use_net().exit_code == 0
    st = good.stat()
    time.sleep(0.05)  # past the ctime clock's granularity
    good.write_bytes(b"X" * len(NET))
    os.utime(good, ns=(st.st_atime_ns, st.st_mtime_ns))
    result = _use_net()
    assert result.exit_code == 5, result.output
    assert "fails its sha256 check" in result.output


def test_a_verified_file_is_hashed_once_and_nothing_is_written_into_its_folder(
        netdir, monkeypatch):
    """Guards against the cache not being used (large files hashed on every run) and
    against writing into the weights folder, which may be shared or read-only."""
    (netdir / "net.pt").write_bytes(NET)
    before = sorted(os.listdir(netdir))
    hashed = []
    real = weights.sha256_file
    monkeypatch.setattr(weights, "sha256_file", lambda p: hashed.append(p) or real(p))
    assert _use_net().exit_code == 0
    assert _use_net().exit_code == 0
    assert len(hashed) == 1
    assert sorted(os.listdir(netdir)) == before


def test_a_file_changed_moments_ago_is_not_remembered(netdir, monkeypatch):
    """Guards against remembering a file whose ctime is within the clock's granularity of
    our stat: a swap in that instant would keep the ctime, so it is hashed again instead."""
    (netdir / "net.pt").write_bytes(NET)
    monkeypatch.setattr(weights, "SETTLE_S", 60.0)
    hashed = []
    real = weights.sha256_file
    monkeypatch.setattr(weights, "sha256_file", lambda p: hashed.append(p) or real(p))
    assert _use_net().exit_code == 0
    assert _use_net().exit_code == 0
    assert len(hashed) == 2
