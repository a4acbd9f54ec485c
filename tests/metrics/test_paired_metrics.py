"""PSNR and SSIM on cases with known values, and name matching of pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from i2i.errors import DataError
from i2i.metrics.pairing import match_pairs
from i2i.metrics.psnr import psnr
from i2i.metrics.ssim import K1, ssim


def test_psnr_of_a_uniform_offset_of_10_levels():
    a = np.full((16, 16, 3), 100, np.uint8)
    expected = 10 * math.log10(255**2 / 100.0)  # MSE = 10²
    assert psnr(a, a + 10) == pytest.approx(expected)


def test_psnr_of_identical_images_is_infinite():
    a = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    assert psnr(a, a) == math.inf


def test_ssim_of_identical_images_is_one():
    a = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert ssim(a, a) == pytest.approx(1.0)


def test_ssim_of_two_flat_images_is_the_luminance_term():
    a, b = np.full((24, 24, 3), 100, np.uint8), np.full((24, 24, 3), 150, np.uint8)
    c1 = (K1 * 255) ** 2
    expected = (2 * 100 * 150 + c1) / (100**2 + 150**2 + c1)  # no variance: only luminance
    assert ssim(a, b) == pytest.approx(expected)


def test_ssim_drops_with_noise():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (32, 32, 3)).astype(np.uint8)
    noisy = np.clip(a + rng.normal(0, 40, a.shape), 0, 255).astype(np.uint8)
    assert ssim(a, noisy) < 0.9


def test_pairs_match_by_name_across_extensions(tmp_path):
    real = [tmp_path / "r" / "a.jpg", tmp_path / "r" / "b.jpg"]
    fake = [tmp_path / "f" / "b.png", tmp_path / "f" / "a.png"]
    pairs = match_pairs(tmp_path / "r", real, tmp_path / "f", fake)
    assert [(n, r.name, f.name) for n, r, f in pairs] == [("a", "a.jpg", "a.png"),
                                                           ("b", "b.jpg", "b.png")]


def test_unmatched_names_are_listed_in_the_error(tmp_path):
    real = [tmp_path / "r" / "a.jpg", tmp_path / "r" / "b.jpg"]
    fake = [tmp_path / "f" / "a.png", tmp_path / "f" / "c.png"]
    with pytest.raises(DataError, match="only in --real: b; only in --fake: c"):
        match_pairs(tmp_path / "r", real, tmp_path / "f", fake)
