"""Planning outputs: file to file, file into a folder, folder to folder, never in place."""

from __future__ import annotations

import pytest
from PIL import Image

from i2i.errors import DataError
from i2i.stylize.run import plan_outputs


def _img(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4)).save(path)
    return path


def test_a_file_goes_to_the_named_file_or_into_a_folder(tmp_path):
    photo = _img(tmp_path / "a.jpg")
    assert plan_outputs(photo, tmp_path / "b.png") == [(photo, tmp_path / "b.png")]
    assert plan_outputs(photo, tmp_path / "styled") == [(photo, tmp_path / "styled" / "a.jpg")]


def test_a_folder_keeps_names_and_subfolders(tmp_path):
    a, b = _img(tmp_path / "in" / "a.jpg"), _img(tmp_path / "in" / "sub" / "b.png")
    out = tmp_path / "out"
    assert plan_outputs(tmp_path / "in", out) == [(a, out / "a.jpg"), (b, out / "sub" / "b.png")]


def test_a_folder_is_never_stylised_in_place(tmp_path):
    _img(tmp_path / "in" / "a.jpg")
    with pytest.raises(DataError, match="inside the content folder"):
        plan_outputs(tmp_path / "in", tmp_path / "in")


def test_an_empty_folder_is_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images"):
        plan_outputs(tmp_path / "empty", tmp_path / "out")
