"""Safe extraction: nothing lands outside the target, bombs and broken archives refused."""

from __future__ import annotations

import os
import shutil
import tarfile

import pytest
from archive_builders import make_tar_entries, make_targz, make_zip, png_bytes

from i2i.data import extract
from i2i.data.extract import ExtractSpaceError, check_layout, find_layout_root, safe_extract
from i2i.errors import DownloadError


@pytest.fixture
def no_tar_filter(monkeypatch):
    """Python as 3.10.0-3.10.11 / 3.11.0-3.11.3: tarfile has no extraction filter, so only
    i2i's own checks stand between an archive and the rest of the disk."""
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    monkeypatch.setattr(tarfile.TarFile, "extraction_filter",
                        staticmethod(lambda member, path: member), raising=False)


def _files_outside(tmp_path, target):
    """Every path under tmp_path that is neither the archive, the target nor inside it."""
    found = []
    for folder, dirs, files in os.walk(tmp_path):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if not path.startswith(str(target)) and not name.endswith((".tar.gz", ".zip")):
                found.append(path)
    return found


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_zip_extracts_members_inside_the_target(tmp_path):
    archive = _write(tmp_path, "ok.zip", make_zip({"d/trainA/a.png": png_bytes(1)}))
    names = safe_extract(archive, tmp_path / "out")
    assert names == ["d/trainA/a.png"]
    assert (tmp_path / "out/d/trainA/a.png").read_bytes() == png_bytes(1)


def test_zip_slip_member_is_refused_and_nothing_is_written_outside(tmp_path):
    archive = _write(tmp_path, "evil.zip", make_zip({"ok.txt": b"1", "../evil.txt": b"x"}))
    with pytest.raises(DownloadError, match="leaving its folder"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out" / "ok.txt").exists()  # checked before any write


def test_absolute_member_path_is_refused(tmp_path):
    archive = _write(tmp_path, "abs.tar.gz", make_targz({"/tmp/i2i_abs_test": b"x"}))
    with pytest.raises(DownloadError, match="absolute path"):
        safe_extract(archive, tmp_path / "out")


def test_tar_symlink_to_etc_is_refused(tmp_path):
    archive = _write(tmp_path, "link.tar.gz",
                     make_targz({"a.txt": b"1"}, {"etc": ("/etc", tarfile.SYMTYPE)}))
    with pytest.raises(DownloadError, match="pointing outside"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "etc").exists()


def test_tar_relative_symlink_climbing_out_is_refused(tmp_path):
    links = {"d/passwd": ("../../../etc/passwd", tarfile.SYMTYPE)}
    archive = _write(tmp_path, "rel.tar.gz", make_targz({}, links))
    with pytest.raises(DownloadError, match="pointing outside"):
        safe_extract(archive, tmp_path / "out")


def test_tar_hardlink_outside_is_refused(tmp_path):
    links = {"h": ("../secret", tarfile.LNKTYPE)}
    archive = _write(tmp_path, "hard.tar.gz", make_targz({}, links))
    with pytest.raises(DownloadError, match="pointing outside"):
        safe_extract(archive, tmp_path / "out")


def test_too_many_members_is_refused_as_a_bomb(tmp_path):
    archive = _write(tmp_path, "many.zip", make_zip({f"{i}.txt": b"x" for i in range(20)}))
    with pytest.raises(DownloadError, match="compression bomb"):
        safe_extract(archive, tmp_path / "out", max_members=10)


def test_too_large_uncompressed_size_is_refused_as_a_bomb(tmp_path):
    archive = _write(tmp_path, "big.tar.gz", make_targz({"zeros": bytes(1_000_000)}))
    with pytest.raises(DownloadError, match="compression bomb"):
        safe_extract(archive, tmp_path / "out", max_bytes=100_000)


@pytest.mark.parametrize("maker,name", [(make_zip, "t.zip"), (make_targz, "t.tar.gz")])
def test_truncated_archive_is_reported_as_truncated(tmp_path, maker, name):
    data = maker({f"{i}.png": png_bytes(i) for i in range(4)})
    archive = _write(tmp_path, name, data[: len(data) // 2])
    with pytest.raises(DownloadError, match="truncated"):
        safe_extract(archive, tmp_path / "out")


def test_layout_check_finds_the_wrapped_folder_and_rejects_a_wrong_one(tmp_path):
    archive = _write(tmp_path, "x.zip", make_zip({"x/trainA/a.png": png_bytes(1),
                                                  "x/trainB/b.png": png_bytes(2)}))
    safe_extract(archive, tmp_path / "out")
    root = find_layout_root(tmp_path / "out", "unaligned")
    assert root == tmp_path / "out" / "x"
    check_layout(root, "unaligned", "x")
    with pytest.raises(DownloadError, match="train/"):
        check_layout(root, "aligned", "x")


def test_disk_full_while_extracting_is_one_clear_error(tmp_path, monkeypatch):
    """Guards against a raw OSError traceback, or a message without folder and size."""
    import errno

    archive = _write(tmp_path, "ok.zip", make_zip({"a.png": png_bytes(1)}))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(extract, "open", full, raising=False)
    with pytest.raises(ExtractSpaceError, match=r"disk full while extracting ok.zip into .*out: "
                       r"it needs [\d.]+ kB free; free space and rerun"):
        safe_extract(archive, tmp_path / "out")


def test_link_chain_walking_out_is_refused_without_tarfile_filters(tmp_path, no_tar_filter):
    """Guards against checking each link lexically, blind to the links before it: then
    a -> ., a/b -> .., a/b/c -> .. look harmless and a/b/c/evil lands two levels up."""
    archive = _write(tmp_path, "chain.tar.gz", make_tar_entries(
        [("a", "."), ("a/b", ".."), ("a/b/c", ".."), ("a/b/c/evil", b"evil")]))
    target = tmp_path / "jail" / "deep" / "out"
    with pytest.raises(DownloadError, match="'a/b' -> '..' pointing outside"):
        safe_extract(archive, target)
    assert _files_outside(tmp_path, target) == [str(tmp_path / "jail"),
                                                str(tmp_path / "jail" / "deep")]


def test_a_later_link_bending_an_earlier_one_is_refused(tmp_path, no_tar_filter):
    """Guards against checking a link's target only when it is made: l -> a/b/../.. is
    inside until a -> . arrives, and then l/evil would land above the target."""
    archive = _write(tmp_path, "bend.tar.gz", make_tar_entries(
        [("l", "a/b/../.."), ("a", "."), ("l/evil", b"evil")]))
    target = tmp_path / "jail" / "deep" / "out"
    with pytest.raises(DownloadError, match="'l/evil', which its own links lead outside"):
        safe_extract(archive, target)
    assert not any(p.endswith("evil") for p in _files_outside(tmp_path, target))
    assert list(target.iterdir()) == []  # refused before anything was written


def test_a_link_left_pointing_out_at_the_end_is_refused(tmp_path, no_tar_filter):
    """Guards against checking links only as they are made: after a -> . the earlier
    l -> a/b/../.. points above the dataset, a trap for whatever reads it later."""
    archive = _write(tmp_path, "trap.tar.gz", make_tar_entries(
        [("l", "a/b/../.."), ("a", ".")]))
    with pytest.raises(DownloadError, match="'l' -> 'a/b/../..' pointing outside"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "l").is_symlink()


def test_links_that_stay_inside_still_extract(tmp_path, no_tar_filter):
    """Guards against over-refusing: a dataset with a link to its own folder must work."""
    archive = _write(tmp_path, "ok.tar.gz", make_tar_entries(
        [("d/x.txt", b"1"), ("l", "d"), ("l/y.txt", b"2"), ("m", "l/x.txt")]))
    names = safe_extract(archive, tmp_path / "out")
    assert names == ["d/x.txt", "l/y.txt"]
    assert (tmp_path / "out" / "d" / "y.txt").read_bytes() == b"2"
    assert (tmp_path / "out" / "m").read_bytes() == b"1"


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_a_link_already_in_the_target_is_not_followed_out(tmp_path, kind, no_tar_filter):
    """Guards against dropping the on-disk check: the archive is clean, but the target
    already holds x -> ../outside, and x/evil.txt must not be written through it."""
    (tmp_path / "outside").mkdir()
    target = tmp_path / "out"
    target.mkdir()
    (target / "x").symlink_to("../outside")
    data = (make_zip({"x/evil.txt": b"e"}) if kind == "zip"
            else make_tar_entries([("x/evil.txt", b"e")]))
    archive = _write(tmp_path, f"a.{kind}", data)
    with pytest.raises(DownloadError, match="outside .*through a link on disk"):
        safe_extract(archive, target)
    assert not (tmp_path / "outside" / "evil.txt").exists()


def test_zip_symlink_member_is_refused(tmp_path):
    """Guards against zip links being written as files or links (their target unchecked)."""
    archive = _write(tmp_path, "l.zip", make_zip({"a.png": png_bytes(1)},
                                                 symlinks={"etc": "/etc"}))
    with pytest.raises(DownloadError, match="links are refused in zip archives"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "a.png").exists()


@pytest.mark.parametrize("maker,name", [(make_zip, "z.zip"), (make_targz, "z.tar.gz")])
def test_high_compression_ratio_is_refused_as_a_bomb(tmp_path, maker, name):
    """Guards against bounding only by the fixed 64 GB cap: 10 MB of zeros packs into a
    few kB, a ratio no image dataset has."""
    archive = _write(tmp_path, name, maker({"zeros": bytes(10 * 1024**2)}))
    with pytest.raises(DownloadError, match="compression bomb"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "zeros").exists()


def test_archive_larger_than_the_free_space_is_refused_before_writing(tmp_path, monkeypatch):
    """Guards against starting an extraction the disk cannot hold (it would fill the disk,
    then fail): the line names the folder and how much space is needed."""
    archive = _write(tmp_path, "ok.zip", make_zip({"a.png": png_bytes(1)}))
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(extract.shutil, "disk_usage",
                        lambda path: usage._replace(free=1000))
    with pytest.raises(ExtractSpaceError, match=r"into .*out: it needs 4.\d kB, 1.0 kB are "
                       r"free; free 3.\d kB and rerun"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "a.png").exists()
