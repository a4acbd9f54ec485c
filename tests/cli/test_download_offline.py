"""`i2i download` without a network, and archives that fool a zip check: the message says
what works offline (and that works), nothing is retried in vain, nothing empty is left."""

from __future__ import annotations

import io
import socket
import tarfile

import pytest
import torch
from archive_builders import cyclegan_zip
from download_server import FileServer
from typer.testing import CliRunner

from i2i.cli.main import app
from i2i.data import download
from i2i.zoo.download import models_dir

runner = CliRunner()
CUT_TAR = "/CUT/pretrained_models.tar"
MEMBER = "checkpoints/horse2zebra_cut_pretrained/latest_net_G.pth"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("I2I_OFFLINE", "0")
    monkeypatch.delenv("I2I_DATASET_MIRROR", raising=False)
    return tmp_path / "home"


@pytest.fixture
def no_dns(monkeypatch, home):
    """Every name lookup fails, as on a machine without a network; counts the lookups."""
    lookups = []

    def fail(host, *args, **kwargs):
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    return lookups


def torch_file(value: float) -> bytes:
    buf = io.BytesIO()
    torch.save({"weight": torch.full((3,), value)}, buf)  # zip format, as torch writes it
    return buf.getvalue()


def plain_tar(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:  # uncompressed: a zip inside shows
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_a_plain_tar_ending_in_a_torch_file_is_extracted_as_a_tar(home, monkeypatch):
    """Guards: zipfile.is_zipfile found the last member's central directory at the tar's
    end, so the tar was opened as a zip and the model 'held no' generator."""
    generator = torch_file(0.5)
    srv = FileServer().start()
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    try:
        srv.files[CUT_TAR] = plain_tar([
            ("checkpoints/horse2zebra_cut_pretrained/latest_net_D.pth", torch_file(1.0)),
            (MEMBER, generator)])
        result = runner.invoke(app, ["download", "--model", "cut-horse2zebra", "--mirror",
                                     srv.url, "-q"])
    finally:
        srv.stop()
    assert result.exit_code == 0, result.output
    got = models_dir() / "cut-horse2zebra" / "latest_net_G.pth"
    assert got.read_bytes() == generator


def test_offline_model_download_is_one_try_that_says_what_works_offline(no_dns, home):
    """Guards: a DNS failure retried for 19 s, then a message naming a .part that does
    not exist, and an empty .downloads/ left behind. Then the advice is followed: the
    file put where the message says is used without any network."""
    result = runner.invoke(app, ["download", "--model", "horse2zebra", "-q"])
    assert result.exit_code == 6, result.output
    text = " ".join(result.output.split())
    assert len(no_dns) == 1, no_dns  # not worth five tries
    assert "no network" in text and "--mirror URL" in text
    assert "i2i import FILE --from junyanz" in text
    assert ".part" not in text
    assert not (models_dir() / ".downloads").exists()
    place = models_dir() / ".downloads" / "horse2zebra.pth"
    assert str(place) in text
    place.parent.mkdir(parents=True)
    place.write_bytes(torch_file(2.0))
    again = runner.invoke(app, ["download", "--model", "horse2zebra", "-q"])
    assert again.exit_code == 0, again.output
    assert (models_dir() / "horse2zebra" / "latest_net_G.pth").read_bytes() == torch_file(2.0)


def test_offline_cut_model_names_its_own_import_source(no_dns, home):
    result = runner.invoke(app, ["download", "--model", "fastcut-horse2zebra", "-q"])
    assert result.exit_code == 6
    text = " ".join(result.output.split())
    assert "i2i import FILE --from fastcut" in text and "pretrained_models.tar" in text


def test_offline_dataset_download_says_where_the_archive_goes(no_dns, tmp_path):
    result = runner.invoke(app, ["download", "horse2zebra", "--dir", str(tmp_path / "d"),
                                 "-q"])
    assert result.exit_code == 6
    text = " ".join(result.output.split())
    assert len(no_dns) == 1 and "--mirror URL" in text and ".part" not in text
    assert str(tmp_path / "d" / ".downloads" / "horse2zebra.zip") in text
    assert not (tmp_path / "d" / ".downloads").exists()


def test_a_transient_failure_still_names_the_part_it_resumes_from(home, tmp_path,
                                                                   monkeypatch):
    """The other side of the message: a real partial file is named, an absent one not."""
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    srv = FileServer().start()
    try:
        srv.files["/cyclegan/datasets/horse2zebra.zip"] = cyclegan_zip("horse2zebra")
        srv.drop_after, srv.drops = 100, 10
        result = runner.invoke(app, ["download", "horse2zebra", "--dir", str(tmp_path / "d"),
                                     "--mirror", srv.url, "-q"])
    finally:
        srv.stop()
    assert result.exit_code == 6
    assert "resumes from horse2zebra.zip.part" in " ".join(result.output.split())


def test_dir_that_is_a_file_exits_1_as_the_readme_table_says(tmp_path):
    """Guards: exit 3 (a data problem) where README's table says 1 (an output that
    cannot be written)."""
    (tmp_path / "afile").write_text("x")
    result = runner.invoke(app, ["download", "horse2zebra", "--dir", str(tmp_path / "afile")])
    assert result.exit_code == 1, result.output
    assert "is a file, not a folder" in result.output


def test_a_weights_download_that_fails_says_where_the_file_goes(tmp_path, monkeypatch):
    """Guards: the message told every command to use --weights-dir, which train and
    download do not have."""
    from i2i.errors import DownloadError, WeightsError
    from i2i.weights import WeightsEntry, WeightsFile, cache_dir, fetch

    def no_network(url, *args, **kwargs):
        raise DownloadError(f"cannot reach {url}")

    monkeypatch.setattr(download, "download_file", no_network)
    entry = WeightsEntry("net", "a test net", (WeightsFile(
        "net-0123.pth", "0" * 64, ("http://127.0.0.1:9/net-0123.pth",)),))
    with pytest.raises(WeightsError) as err:
        fetch(entry, progress=False)
    message = str(err.value)
    assert "net-0123.pth" in message and "I2I_WEIGHTS_DIR" in message
    assert str(cache_dir()) in message
