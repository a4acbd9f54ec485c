"""Exit codes are the README's table, and a failure says what works instead: option
values out of range exit 2, a failed pairing leaves no folder, stylize without VGG19
names the VGG16 weights that are there."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [*map(str, args)])
    return result.exit_code, result.output


def readme_codes() -> dict[int, str]:
    """The README's "Exit codes" table: code -> meaning."""
    text = (REPO / "README.md").read_text()
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d+) \| (.+) \|$",
                                                              table, re.M)}


def images(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True)
    for i, name in enumerate(names):
        Image.fromarray(np.full((40, 40, 3), 40 * i, np.uint8)).save(folder / name)
    return folder


@pytest.mark.parametrize("args", [["--size", "-5"], ["--size", "100000"],
                                  ["--test-fraction", "1.5"], ["--test-fraction", "-0.1"]],
                         ids=lambda a: " ".join(a))
def test_prepare_values_out_of_range_exit_2_as_documented(tmp_path, args):
    """Guards: exit 3 (a data problem) for an option value out of range (README: 2)."""
    assert "out of range" in readme_codes()[2]
    a = images(tmp_path / "a", ["0.png", "1.png"])
    code, output = invoke("prepare", a, "--out", tmp_path / "out", "-q", *args)
    assert code == 2, output
    assert not (tmp_path / "out").exists()


def test_evaluate_with_no_metric_exits_2_as_documented(tmp_path):
    """Guards: `--metric ""` exited 3 (a data problem) instead of 2 (a bad option)."""
    a = images(tmp_path / "a", ["0.png", "1.png"])
    code, output = invoke("evaluate", "--metric", "", "--real", a, "--fake", a)
    assert code == 2 and "no metric given" in output


def test_a_failed_pairing_leaves_no_output_folder(tmp_path):
    """Guards: `prepare --pair` with no matching names left --out (and its stamp) behind."""
    a = images(tmp_path / "a", ["x.png", "y.png"])
    b = images(tmp_path / "b", ["p.png", "q.png"])
    code, output = invoke("prepare", "--pair", a, b, "--out", tmp_path / "out", "-q")
    assert code == 3 and "--pair matches files by name" in output
    assert not (tmp_path / "out").exists()


def test_stylize_without_vgg19_names_the_vgg16_weights_that_are_here(tmp_path, monkeypatch,
                                                                     shared_weights):
    """Guards: offline without VGG19 the line said only how to download it, though the
    VGG16 weights sat in --weights-dir; then the advice is followed and works."""
    monkeypatch.setenv("I2I_OFFLINE", "1")
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "vgg16-features.pth").symlink_to(shared_weights / "vgg16-features.pth")
    photo = images(tmp_path / "in", ["p.png"]) / "p.png"
    base = ["stylize", photo, photo, "--size", "32", "--steps", "1", "--weights-dir", weights]
    code, output = invoke(*base, "--out", tmp_path / "o.png")
    assert code == 5, output
    assert "--network vgg16 uses them" in " ".join(output.split())
    code, output = invoke(*base, "--out", tmp_path / "o.png", "--network", "vgg16")
    assert code == 0, output
    assert Image.open(tmp_path / "o.png").size == (32, 32)
