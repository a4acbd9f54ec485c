"""`i2i evaluate`: output paths checked before any feature is extracted, JSON on stdout that
stays JSON, counts that say how many images the scores used, bombs skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from i2i.cli.main import app
from tests.bad_files import BOMBS, GARBAGE, bomb_png, garbage, unwritable_dir
from tests.metrics.conftest import make_images


def evaluate(*args):
    result = CliRunner().invoke(app, ["evaluate", *map(str, args)])
    return result


def error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]


def sets(tmp_path: Path, n_real: int = 4, n_fake: int = 4) -> tuple[Path, Path]:
    make_images(tmp_path / "real", n_real)
    make_images(tmp_path / "fake", n_fake, seed=1)
    return tmp_path / "real", tmp_path / "fake"


def _bad_path(tmp_path: Path, case: str) -> tuple[Path, str]:
    (tmp_path / "file").write_text("mine")
    (tmp_path / "folder").mkdir()
    return {
        "missing_folder": (tmp_path / "nonexistent_dir" / "x.out", "does not exist"),
        "under_a_file": (tmp_path / "file" / "x.out", "is a file, not a folder"),
        "is_a_folder": (tmp_path / "folder", "is a folder; give a file name"),
        "unwritable": (unwritable_dir(tmp_path) / "x.out", "cannot write in"),
    }[case]


@pytest.mark.parametrize("option", ["--json", "--csv", "--plot"])
@pytest.mark.parametrize("case", ["missing_folder", "under_a_file", "is_a_folder",
                                  "unwritable"])
def test_an_unwritable_output_is_one_line_before_any_feature_is_extracted(
        tmp_path, tiny_inception, option, case):
    """Guards: `--json /nonexistent_dir/x.json` creating that folder (at the filesystem
    root), and `--json existing_file/x.json` extracting every feature, then a traceback."""
    real, fake = sets(tmp_path)
    path, message = _bad_path(tmp_path, case)
    result = evaluate("-m", "fid", "--real", real, "--fake", fake, option, path)
    assert result.exit_code == 1, result.output
    assert message in error_line(result.output) and option in error_line(result.output)
    assert tiny_inception == []  # nothing extracted
    assert not (tmp_path / "nonexistent_dir").exists()
    assert (tmp_path / "file").read_text() == "mine"


def test_json_on_stdout_stays_valid_with_values_longer_than_the_terminal(tmp_path,
                                                                         tiny_inception):
    """Guards: `--json -` printed through rich, which wraps at 80 columns inside strings."""
    deep = tmp_path
    for i in range(6):
        deep = deep / f"a_rather_long_folder_name_number_{i}"
    real, fake = sets(deep)
    result = evaluate("-m", "fid", "--real", real, "--fake", fake, "--json", "-")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["rows"][0]["fake"] == str(fake) and len(str(fake)) > 200


@pytest.mark.parametrize("metric", ["fid", "kid", "psnr", "fid,psnr"])
def test_counts_are_the_images_the_scores_used(tmp_path, tiny_inception, metric):
    """Guards: n_fake 5 in the table and JSON while the score used 3 of 5 (two unreadable)."""
    real, fake = sets(tmp_path, 5, 5)
    garbage(fake / "001.png", "text")
    garbage(fake / "003.png", "truncated")
    result = evaluate("-m", metric, "--real", real, "--fake", fake, "--json",
                      tmp_path / "r.json", "--kid-subsets", "2")
    assert result.exit_code == 8, result.output
    row = json.loads((tmp_path / "r.json").read_text())["rows"][0]
    assert (row["n_real"], row["n_fake"]) == ((5, 3) if metric != "psnr" else (3, 3))
    if metric == "fid,psnr":
        assert row["n_pairs"] == 3
    assert "2 unreadable image(s) skipped" in error_line(result.output)


@pytest.mark.parametrize("bad", [f"bomb{w}x{h}" for w, h in BOMBS] + GARBAGE)
@pytest.mark.parametrize("where", ["real", "fake"])
def test_a_bomb_or_garbage_is_skipped_and_the_rest_scored(tmp_path, tiny_inception, bad,
                                                          where):
    """Guards: a DecompressionBombError aborting evaluate with a traceback and no score."""
    real, fake = sets(tmp_path)
    target = (real if where == "real" else fake) / "zzz.png"
    if bad.startswith("bomb"):
        w, h = map(int, bad[4:].split("x"))
        bomb_png(target, w, h)
    else:
        garbage(target, bad)
    result = evaluate("-m", "fid", "--real", real, "--fake", fake, "--json", "-")
    assert result.exit_code == 8, result.output
    row = json.loads(result.stdout)["rows"][0]
    assert row["n_real"] == 4 and row["n_fake"] == 4 and isinstance(row["fid"], float)
    listed = [line for line in result.stderr.splitlines() if "zzz.png" in line]
    assert len(listed) == 1, result.stderr  # listed once, not also in a warning
    assert [s["file"] for s in json.loads(result.stdout)["skipped"]] == [str(target)]
