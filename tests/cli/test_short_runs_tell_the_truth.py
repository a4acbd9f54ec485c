"""`i2i train` tells the truth about the run that will happen: --max-steps in the bar, its
time left and the run page; --eval-every after the last step; a relative --data found from
anywhere; a resume that says so and keeps its method; paired methods on unpaired data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from tests.cli.conftest import TINY_SETS
from tests.metrics.conftest import tiny_inception  # noqa: F401

TINY = ["--size", "32", "--workers", "0", *TINY_SETS]


def folder_data(root: Path, n: int = 3) -> Path:
    rng = np.random.default_rng(0)
    for split in ("trainA", "trainB", "testA", "testB"):
        (root / split).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), np.uint8)).save(
                root / split / f"{i}.png")
    return root


def test_max_steps_is_what_the_bar_its_time_left_and_the_page_count_to(cli, tmp_path):
    """Guards: a 4-step run of a 400-step schedule showed `step 3/400 ... left 0:09:44`
    and a page saying `epoch 0/2` while the bar said epoch 1/2."""
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--max-steps", "4",
                 "--epochs", "2", "--name", "short", "--out-dir", str(tmp_path), *TINY)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if " step " in line]
    assert lines and all("/4 " in line for line in lines), lines
    assert "epoch 1/2 step 4/4" in result.output
    page = (tmp_path / "short" / "index.html").read_text()
    assert "epoch 1/2, step 4/4 (--max-steps 4 ends the 400-step schedule early)" in page


def test_eval_every_scores_a_run_that_max_steps_ends_before_an_epoch(cli, tmp_path,
                                                                     tiny_inception):  # noqa: F811
    """Guards: README promises "every N epochs and after the last", but a run that
    --max-steps ended inside epoch 1 evaluated nothing."""
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--max-steps", "3",
                 "--eval-every", "1", "--quiet", "--name", "ev", "--out-dir", str(tmp_path),
                 *TINY)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "ev" / "log.jsonl").read_text()
            .splitlines()]
    evals = [r for r in rows if r.get("eval") == "test"]
    assert [r["step"] for r in evals] == [3] and np.isfinite(evals[0]["fid"])
    assert "evaluation" in (tmp_path / "ev" / "index.html").read_text()


def test_a_relative_data_folder_is_found_from_anywhere_and_a_moved_one_is_asked_for(
        cli, tmp_path, monkeypatch):
    """Guards: `--data d` was stored as given, so `--resume` from another folder could not
    find the data. A resume also says that it resumes."""
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    folder_data(work / "d")
    elsewhere.mkdir()
    monkeypatch.chdir(work)
    first = cli("train", "cyclegan", "--data", "d", "--max-steps", "1", "--quiet",
                "--name", "rel", "--out-dir", "runs", *TINY)
    assert first.exit_code == 0, first.output
    run = work / "runs" / "rel"
    import yaml

    assert yaml.safe_load((run / "config.yaml").read_text())["data"]["root"] == \
        str(work / "d")
    monkeypatch.chdir(elsewhere)
    again = cli("train", "--resume", str(run), "--max-steps", "2", "--quiet")
    assert again.exit_code == 0, again.output
    assert f"resuming {run}" in " ".join(again.output.split())
    shutil.move(str(work / "d"), str(work / "moved"))
    lost = cli("train", "--resume", str(run), "--max-steps", "3", "--quiet")
    assert lost.exit_code == 3
    assert f"i2i train --resume {run} --data DIR" in " ".join(lost.output.split())
    found = cli("train", "--resume", str(run), "--max-steps", "3", "--quiet", "--data",
                str(work / "moved"))
    assert found.exit_code == 0, found.output


def test_a_paired_method_on_unpaired_builtin_data_asks_for_paired_data(cli, tmp_path):
    """Guards: `train pix2pix --data builtin:toy` said "unknown parameter n_blocks"."""
    result = cli("train", "pix2pix", "--data", "builtin:toy", "--size", "32", "--max-steps",
                 "1", "--out-dir", str(tmp_path))
    assert result.exit_code == 3, result.output
    assert "pix2pix trains on paired data" in result.output
    assert "builtin:toy_paired" in result.output
    assert list(tmp_path.iterdir()) == []


def test_resume_with_another_method_name_is_refused(cli, tiny_run):
    """Guards: `train pix2pix --resume <cyclegan run>` trained cyclegan without a word."""
    before = sorted(p.name for p in tiny_run.rglob("*"))
    result = cli("train", "pix2pix", "--resume", str(tiny_run))
    assert result.exit_code == 2
    assert "is a cyclegan run" in result.output
    assert sorted(p.name for p in tiny_run.rglob("*")) == before


def test_a_resumed_run_says_that_it_resumes(cli, tiny_run, tmp_path):
    """Guards: a resume printed the same banner as a new run."""
    run = tmp_path / "tiny"
    shutil.copytree(tiny_run, run)
    result = cli("train", "--resume", str(run), "--max-steps", "3", "--quiet")
    assert result.exit_code == 0, result.output
    assert f"i2i train resuming {run} (cyclegan on builtin:toy)" in " ".join(
        result.output.split())
