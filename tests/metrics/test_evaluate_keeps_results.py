"""``i2i evaluate`` keeps what it computed: the other metrics when one fails, a run's
translations with a page to look at, an exact zero spread; and it takes a reference set
as a statistics file, as pytorch-fid and clean-fid do. The Inception is the tiny stand-in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from i2i.cli.main import app
from tests.metrics.conftest import make_images
from tests.metrics.test_run_evaluation import _config_root, tiny_run  # noqa: F401


def evaluate(*args):
    result = CliRunner().invoke(app, ["evaluate", *map(str, args)])
    return result.exit_code, result.output


def folders(tmp_path: Path, n_real: int = 3, n_fake: int = 3) -> tuple[Path, Path]:
    make_images(tmp_path / "real", n_real, seed=1)
    make_images(tmp_path / "fake", n_fake, seed=2)
    return tmp_path / "real", tmp_path / "fake"


def test_a_failing_metric_keeps_the_scores_already_computed(tmp_path, tiny_inception):
    """Guards: `pr` on 3 images (it needs more than k=3) threw away FID and KID."""
    real, fake = folders(tmp_path)
    code, output = evaluate("-m", "fid,kid,pr", "--real", real, "--fake", fake, "--json",
                            tmp_path / "r.json", "--kid-subsets", "2")
    assert code == 8, output
    text = " ".join(output.split())
    assert "failed pr of fake: precision/recall needs more than 3 images" in text
    doc = json.loads((tmp_path / "r.json").read_text())
    row = doc["rows"][0]
    assert np.isfinite(row["fid"]) and np.isfinite(row["kid"]) and "precision" not in row
    assert doc["failed"] == [{"name": "fake", "metric": "pr",
                              "reason": "precision/recall needs more than 3 images per set, "
                                        "got 3 and 3"}]


def test_kid_of_whole_sets_has_a_spread_of_exactly_zero(tmp_path, tiny_inception):
    """Guards: every KID subset is the whole of both sets, yet kid_std printed 4e-16."""
    real, fake = folders(tmp_path, 5, 5)
    code, output = evaluate("-m", "kid", "--real", real, "--fake", fake, "--json",
                            tmp_path / "r.json")
    assert code == 0, output
    row = json.loads((tmp_path / "r.json").read_text())["rows"][0]
    assert row["kid_std"] == 0.0 and row["kid"] != 0.0
    assert "e-1" not in output  # no round-off in the table either


def _cache_entry(home: Path) -> Path:
    entries = list((home / "metrics").glob("*.npz"))
    assert len(entries) == 1, entries
    return entries[0]


def test_real_may_be_a_statistics_file(tmp_path, tiny_inception):
    """Guards: --real took only a folder; pytorch-fid and clean-fid take a .npz. Both
    forms give the folder's numbers: i2i's cached features (every metric) and pytorch-fid's
    mu/sigma (FID; a metric that needs features says so and the FID is kept)."""
    import os

    real, fake = folders(tmp_path, 6, 5)
    base = ["--fake", fake, "--kid-subsets", "3"]
    code, output = evaluate("-m", "fid,kid", "--real", real, *base, "--json",
                            tmp_path / "folder.json")
    assert code == 0, output
    want = json.loads((tmp_path / "folder.json").read_text())["rows"][0]
    entry = _cache_entry(Path(os.environ["I2I_HOME"]))
    shutil.copy(entry, tmp_path / "features.npz")
    code, output = evaluate("-m", "fid,kid", "--real", tmp_path / "features.npz", *base,
                            "--json", tmp_path / "features.json")
    assert code == 0, output
    got = json.loads((tmp_path / "features.json").read_text())["rows"][0]
    assert got["fid"] == pytest.approx(want["fid"], rel=1e-9)
    assert got["kid"] == pytest.approx(want["kid"], rel=1e-9)
    with np.load(tmp_path / "features.npz") as data:
        pool = data["pool"]
    np.savez(tmp_path / "stats.npz", mu=pool.mean(axis=0), sigma=np.cov(pool, rowvar=False))
    code, output = evaluate("-m", "fid,kid", "--real", tmp_path / "stats.npz", *base,
                            "--json", tmp_path / "stats.json")
    assert code == 8, output
    got = json.loads((tmp_path / "stats.json").read_text())["rows"][0]
    assert got["fid"] == pytest.approx(want["fid"], rel=1e-6)
    assert "only the mean and covariance" in " ".join(output.split())


def test_a_statistics_file_without_statistics_is_one_line(tmp_path, tiny_inception):
    real, fake = folders(tmp_path)
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    code, output = evaluate("-m", "fid", "--real", tmp_path / "other.npz", "--fake", fake)
    assert code == 3 and "holds neither mu and sigma" in output


def test_a_run_keeps_its_scored_translations_beside_their_inputs(tiny_run,  # noqa: F811
                                                                 tiny_inception, tmp_path):
    """Guards: the translations a run was scored on were deleted, so nobody could look
    at what scored that FID. They stay under the run, with a page of inputs beside
    outputs, and a second evaluation replaces them rather than mixing with them."""
    code, output = evaluate(tiny_run, "-m", "fid", "--json", tmp_path / "r.json")
    assert code == 0, output
    kept = tiny_run / "eval" / "epoch_0002_AtoB"
    assert "inputs beside outputs" in output and "index.html" in output
    data = Path(_config_root(tiny_run))
    inputs = sorted(p.name for p in (data / "testA").iterdir())
    assert sorted(p.name for p in (kept / "fake").iterdir()) == inputs  # 000.png ...
    assert sorted(p.name for p in (kept / "input").iterdir()) == inputs
    page = (kept / "index.html").read_text()
    for name in inputs:
        assert f"src='input/{name}'" in page and f"src='fake/{name}'" in page
    row = json.loads((tmp_path / "r.json").read_text())["rows"][0]
    assert row["fake"] == str(kept / "fake")
    (data / "testA" / inputs[0]).unlink()
    code, output = evaluate(tiny_run, "-m", "fid")
    assert code == 0, output
    assert sorted(p.name for p in (kept / "fake").iterdir()) == inputs[1:]
    assert [p.name for p in (tiny_run / "eval").iterdir()] == ["epoch_0002_AtoB"]


def test_a_run_evaluation_keeps_fid_when_another_metric_fails(tiny_run,  # noqa: F811
                                                              tiny_inception, tmp_path):
    data = Path(_config_root(tiny_run))
    for folder in ("testA", "testB"):  # 3 images: too few for precision/recall (k=3)
        (data / folder / "000.png").unlink()
    code, output = evaluate(tiny_run, "-m", "fid,pr", "--json", tmp_path / "r.json")
    assert code == 8, output
    assert "failed pr of tiny" in output
    row = json.loads((tmp_path / "r.json").read_text())["rows"][0]
    assert np.isfinite(row["fid"]) and row["checkpoint"] == "epoch_0002.pt"


def test_a_run_whose_data_moved_names_data_and_scores_with_it(tiny_run,  # noqa: F811
                                                              tiny_inception, tmp_path):
    data = Path(_config_root(tiny_run))
    moved = tmp_path / "moved"
    shutil.move(str(data), moved)
    code, output = evaluate(tiny_run, "-m", "fid")
    assert code == 3 and "--data DIR" in output
    code, output = evaluate(tiny_run, "-m", "fid", "--data", moved)
    assert code == 0, output


def test_a_run_named_by_a_relative_path_keeps_its_translations(tiny_run,  # noqa: F811
                                                               tiny_inception, monkeypatch):
    """Guards: `i2i evaluate runs/NAME` (relative, as the docs write it) crashed with a
    traceback: the kept folder was relative, the translations came back absolute."""
    monkeypatch.chdir(tiny_run.parent.parent)
    code, output = evaluate("runs/tiny", "-m", "fid")
    assert code == 0, output
    assert (tiny_run / "eval" / "epoch_0002_AtoB" / "index.html").is_file()
