"""Catalog datasets fetched from a local mirror: verified, extracted, idempotent, safe."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from archive_builders import cyclegan_zip, make_zip, pix2pix_targz, png_bytes
from download_server import FileServer

from i2i.data import download
from i2i.data.catalog import catalog, get_entry
from i2i.data.catalog_download import MANIFEST, fetch_dataset, fetch_many, mirror_url
from i2i.errors import DataError, DownloadError, PartialFailure
from i2i.plugins import UnknownNameError


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    srv = FileServer().start()
    srv.files["/cyclegan/datasets/horse2zebra.zip"] = cyclegan_zip("horse2zebra")
    srv.files["/pix2pix/datasets/facades.tar.gz"] = pix2pix_targz("facades")
    yield srv
    srv.stop()


def test_catalog_has_both_collections_and_the_manual_entries():
    names = set(catalog())
    assert {"horse2zebra", "monet2photo", "mini", "mini_pix2pix", "ae_photos",
            "cyclegan-facades", "cyclegan-maps", "facades", "maps", "edges2shoes",
            "edges2handbags", "night2day", "cityscapes", "celeba", "cartoonset"} <= names
    assert get_entry("facades").task == "paired"
    assert get_entry("cyclegan-facades").urls[0].endswith("/cyclegan/datasets/facades.zip")
    assert not get_entry("cityscapes").downloadable


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(UnknownNameError, match="horse2zebra"):
        get_entry("hrose2zebra")


def test_mirror_keeps_the_original_path():
    url = get_entry("horse2zebra").urls[0]
    assert mirror_url(url, "http://m.example/x/") == \
        "http://m.example/x/cyclegan/datasets/horse2zebra.zip"


def test_dataset_is_fetched_from_the_mirror_extracted_and_recorded(server, tmp_path):
    result = fetch_dataset(get_entry("horse2zebra"), tmp_path, mirror=server.url,
                           progress=False)
    target = tmp_path / "horse2zebra"
    assert result.status == "downloaded" and result.path == target
    assert sorted(p.name for p in target.iterdir() if p.is_dir()) == \
        ["testA", "testB", "trainA", "trainB"]
    manifest = json.loads((target / MANIFEST).read_text())
    archive = server.files["/cyclegan/datasets/horse2zebra.zip"]
    assert manifest["archive_sha256"] == hashlib.sha256(archive).hexdigest()
    assert "trainA/0.png" in manifest["files"]
    assert not (tmp_path / ".downloads" / "horse2zebra.zip").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".h")] == []


def test_second_download_does_nothing_and_says_already_there(server, tmp_path):
    entry = get_entry("horse2zebra")
    fetch_dataset(entry, tmp_path, mirror=server.url, progress=False)
    n_requests = len(server.requests)
    again = fetch_dataset(entry, tmp_path, mirror=server.url, progress=False)
    assert again.status == "already there"
    assert len(server.requests) == n_requests


def test_a_damaged_dataset_is_detected_on_the_next_run(server, tmp_path):
    entry = get_entry("horse2zebra")
    fetch_dataset(entry, tmp_path, mirror=server.url, progress=False)
    (tmp_path / "horse2zebra" / "trainA" / "0.png").write_bytes(b"short")
    with pytest.raises(DataError, match="corrupt.*--force"):
        fetch_dataset(entry, tmp_path, mirror=server.url, progress=False)
    fixed = fetch_dataset(entry, tmp_path, mirror=server.url, force=True, progress=False)
    assert fixed.status == "downloaded"
    assert (tmp_path / "horse2zebra/trainA/0.png").read_bytes() == png_bytes(0)


def test_mirror_is_read_from_the_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_DATASET_MIRROR", server.url)
    fetch_dataset(get_entry("facades"), tmp_path, progress=False)
    assert (tmp_path / "facades" / "train").is_dir()
    assert server.requests[0][0] == "/pix2pix/datasets/facades.tar.gz"


def test_truncated_archive_leaves_no_dataset_and_is_refetched_next_time(server, tmp_path):
    good = server.files["/cyclegan/datasets/horse2zebra.zip"]
    server.files["/cyclegan/datasets/horse2zebra.zip"] = good[: len(good) // 2]
    with pytest.raises(DownloadError, match="truncated"):
        fetch_dataset(get_entry("horse2zebra"), tmp_path, mirror=server.url, progress=False)
    assert not (tmp_path / "horse2zebra").exists()
    assert not (tmp_path / ".downloads" / "horse2zebra.zip").exists()
    server.files["/cyclegan/datasets/horse2zebra.zip"] = good
    assert fetch_dataset(get_entry("horse2zebra"), tmp_path, mirror=server.url,
                         progress=False).status == "downloaded"


def test_zip_slip_dataset_archive_is_refused(server, tmp_path):
    server.files["/cyclegan/datasets/horse2zebra.zip"] = make_zip(
        {"horse2zebra/trainA/a.png": png_bytes(1), "../../escaped.png": png_bytes(2)})
    with pytest.raises(DownloadError, match="leaving its folder"):
        fetch_dataset(get_entry("horse2zebra"), tmp_path / "d", mirror=server.url,
                      progress=False)
    assert not (tmp_path / "escaped.png").exists()
    assert not (tmp_path / "d" / "horse2zebra").exists()


def test_archive_without_the_layout_is_not_reported_ready(server, tmp_path):
    server.files["/cyclegan/datasets/horse2zebra.zip"] = make_zip({"x/readme.txt": b"hi"})
    with pytest.raises(DownloadError, match="expected layout"):
        fetch_dataset(get_entry("horse2zebra"), tmp_path, mirror=server.url, progress=False)
    assert not (tmp_path / "horse2zebra").exists()


def test_force_with_a_bad_checksum_keeps_the_existing_dataset(server, tmp_path):
    entry = get_entry("horse2zebra")
    fetch_dataset(entry, tmp_path, mirror=server.url, progress=False)
    bad = replace(entry, sha256="0" * 64)
    with pytest.raises(DownloadError, match="sha256"):
        fetch_dataset(bad, tmp_path, mirror=server.url, force=True, progress=False)
    assert (tmp_path / "horse2zebra" / MANIFEST).is_file()
    assert (tmp_path / "horse2zebra" / "trainA" / "0.png").is_file()


def test_existing_folder_not_made_by_download_is_left_alone(server, tmp_path):
    (tmp_path / "horse2zebra").mkdir()
    (tmp_path / "horse2zebra" / "mine.txt").write_text("mine")
    with pytest.raises(DataError, match="not made by"):
        fetch_dataset(get_entry("horse2zebra"), tmp_path, mirror=server.url, progress=False)
    assert (tmp_path / "horse2zebra" / "mine.txt").read_text() == "mine"


def test_manual_entry_says_what_to_fetch(tmp_path):
    with pytest.raises(DataError, match="cityscapes-dataset.com"):
        fetch_dataset(get_entry("cityscapes"), tmp_path, progress=False)


def test_one_failing_dataset_does_not_stop_the_others(server, tmp_path):
    with pytest.raises(PartialFailure, match="1 of 2 datasets failed: monet2photo"):
        fetch_many(["monet2photo", "horse2zebra"], tmp_path, mirror=server.url,
                   progress=False)
    assert (tmp_path / "horse2zebra" / MANIFEST).is_file()
