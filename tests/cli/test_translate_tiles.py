"""``i2i translate --tile``: tiled outputs match untiled ones; bad values are one line."""

from __future__ import annotations

import numpy as np
from PIL import Image


def _image(folder, size=96):
    folder.mkdir()
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
    Image.fromarray(coarse).resize((size, size), Image.BICUBIC).save(folder / "x.png")
    return folder


def _out(path):
    return np.asarray(Image.open(path / "x.png"), dtype=float)


def test_tiled_translation_matches_the_untiled_one(cli, tiny_run, tmp_path):
    src = _image(tmp_path / "in")
    plain = cli("translate", str(tiny_run), str(src), "--out", str(tmp_path / "a"), "-q",
                "--tile", "off")
    tiled = cli("translate", str(tiny_run), str(src), "--out", str(tmp_path / "b"), "-q",
                "--tile", "64", "--tile-overlap", "32")
    assert plain.exit_code == 0 and tiled.exit_code == 0, plain.output + tiled.output
    a, b = _out(tmp_path / "a"), _out(tmp_path / "b")
    assert a.shape == b.shape == (96, 96, 3)
    assert np.abs(a - b).mean() < 2.0


def test_a_bad_tile_value_is_one_line_before_any_work(cli, tiny_run, tmp_path):
    src = _image(tmp_path / "in")
    result = cli("translate", str(tiny_run), str(src), "--out", str(tmp_path / "o"),
                 "--tile", "big")
    assert result.exit_code == 2
    assert "--tile is 'big'" in result.output
    assert not (tmp_path / "o").exists()
