"""download_file against a local HTTP server: resume, Range ignored, checksums, disk full."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest
from download_server import FileServer

from i2i.data import download
from i2i.data.download import download_file
from i2i.errors import DownloadError

DATA = os.urandom(300_000)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    srv = FileServer().start()
    srv.files["/f.bin"] = DATA
    yield srv
    srv.stop()


def test_dropped_connection_is_retried_and_resumed_with_range(server, tmp_path):
    server.drops, server.drop_after = 1, 100_000
    dest = download_file(f"{server.url}/f.bin", tmp_path / "f.bin", sha256=SHA, progress=False)
    assert dest.read_bytes() == DATA
    assert server.requests[1] == ("/f.bin", "bytes=100000-")
    assert not (tmp_path / "f.bin.part").exists()


def test_interrupted_download_keeps_its_part_and_the_next_run_resumes(server, tmp_path):
    server.drops, server.drop_after = 1, 70_000
    with pytest.raises(DownloadError, match="resumes from f.bin.part"):
        download_file(f"{server.url}/f.bin", tmp_path / "f.bin", sha256=SHA, progress=False,
                      retries=0)
    assert not (tmp_path / "f.bin").exists()
    assert (tmp_path / "f.bin.part").stat().st_size == 70_000
    download_file(f"{server.url}/f.bin", tmp_path / "f.bin", sha256=SHA, progress=False)
    assert (tmp_path / "f.bin").read_bytes() == DATA
    assert server.requests[-1][1] == "bytes=70000-"


def test_server_ignoring_range_restarts_the_file_from_zero(server, tmp_path):
    server.ignore_range = True
    (tmp_path / "f.bin.part").write_bytes(b"x" * 5000)  # stale bytes that must not survive
    download_file(f"{server.url}/f.bin", tmp_path / "f.bin", sha256=SHA, progress=False)
    assert (tmp_path / "f.bin").read_bytes() == DATA
    assert server.requests[0][1] == "bytes=5000-"


def test_wrong_checksum_deletes_only_the_part_file_never_the_users_file(server, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"the user's own file")
    with pytest.raises(DownloadError, match="fails its sha256 check"):
        download_file(f"{server.url}/f.bin", dest, sha256="0" * 64, progress=False)
    assert dest.read_bytes() == b"the user's own file"
    assert not (tmp_path / "f.bin.part").exists()


def test_wrong_size_is_refused(server, tmp_path):
    with pytest.raises(DownloadError, match="expected 12"):
        download_file(f"{server.url}/f.bin", tmp_path / "f.bin", expected_size=12,
                      progress=False)
    assert not (tmp_path / "f.bin").exists()


def test_missing_file_is_not_retried(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_file(f"{server.url}/nope.bin", tmp_path / "n.bin", progress=False)
    assert len(server.requests) == 1


def test_unreachable_host_fails_after_retries_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    srv = FileServer()
    url = srv.url  # a port nobody listens on once closed
    srv.server_close()
    with pytest.raises(DownloadError, match="failed after 2 tries"):
        download_file(f"{url}/f.bin", tmp_path / "f.bin", progress=False, retries=1)


def test_disk_full_while_writing_is_a_clear_error_and_nothing_looks_complete(
        server, tmp_path, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, fh):
            self.fh = fh

        def write(self, block):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()
            return False

    monkeypatch.setattr(download, "open", lambda *a, **k: FullDisk(real_open(*a, **k)),
                        raising=False)
    with pytest.raises(DownloadError, match=r"disk full while writing .*f.bin.part: it needs "
                       r"300.0 kB more; free some space"):
        download_file(f"{server.url}/f.bin", tmp_path / "f.bin", progress=False)
    assert not (tmp_path / "f.bin").exists()
    assert len(server.requests) == 1  # a full disk is not retried


def test_complete_part_file_is_finished_without_refetching(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(DATA)
    download_file(f"{server.url}/f.bin", tmp_path / "f.bin", sha256=SHA, progress=False)
    assert (tmp_path / "f.bin").read_bytes() == DATA
    assert len(server.requests) == 1


def test_stale_part_longer_than_the_file_is_discarded(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(os.urandom(len(DATA) + 10))
    download_file(f"{server.url}/f.bin", tmp_path / "f.bin", progress=False)
    assert (tmp_path / "f.bin").read_bytes() == DATA


@pytest.mark.parametrize("shift", [-1000, 1000])
def test_206_starting_at_another_byte_than_asked_is_refused(server, tmp_path, shift):
    """Guards against appending a 206 body without checking its Content-Range start: the
    part would hold bytes twice (or miss some) and fail its checksum forever."""
    (tmp_path / "f.bin.part").write_bytes(DATA[:5000])
    server.range_shift = shift
    dest = download_file(f"{server.url}/f.bin", tmp_path / "f.bin", sha256=SHA,
                         progress=False)
    assert dest.read_bytes() == DATA
    assert server.requests == [("/f.bin", "bytes=5000-"), ("/f.bin", None)]
