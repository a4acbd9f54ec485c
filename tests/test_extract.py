"""Safe extraction: nothing lands outside the target, bombs and broken archives refused."""

from __future__ import annotations

import tarfile

import pytest
from archive_builders import make_targz, make_zip, png_bytes

from i2i.data.extract import check_layout, find_layout_root, safe_extract
from i2i.errors import DownloadError


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
    import errno

    from i2i.data import extract

    archive = _write(tmp_path, "ok.zip", make_zip({"a.png": png_bytes(1)}))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(extract, "open", full, raising=False)
    with pytest.raises(DownloadError, match="No space left on device; free space"):
        safe_extract(archive, tmp_path / "out")
