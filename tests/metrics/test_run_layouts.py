"""`i2i evaluate RUN` on every data layout and direction that `i2i train` accepts.

Domain A images are black and domain B images mid-grey. Each run is trained for one step
through the CLI; for scoring, the method's ``translate`` is replaced by one that records its
input's mean and returns mid-grey. So PSNR tells the target the output was scored against
(grey: > 40 dB, black: ~6 dB) and the recorded input tells the source that was translated.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app

BLACK, GREY = 0, 128
TINY = {"cyclegan": ["generator.params.ngf=4", "generator.params.n_blocks=1",
                     "discriminator.params.ndf=4", "discriminator.params.n_layers=1"],
        "pix2pix": ["generator.params.ngf=4", "generator.params.num_downs=5",
                    "discriminator.params.ndf=4", "discriminator.params.n_layers=1"]}
N_TEST = 3


def _square(value: int) -> Image.Image:
    return Image.new("RGB", (32, 32), (value,) * 3)


def _side_by_side(root: Path, split: str, n: int) -> None:
    (root / split).mkdir(parents=True)
    for i in range(n):
        whole = Image.new("RGB", (64, 32))
        whole.paste(_square(BLACK), (0, 0))
        whole.paste(_square(GREY), (32, 0))
        whole.save(root / split / f"{i}.png")


def _domain_folders(root: Path, npz: bool = False) -> None:
    from i2i.data.npz import shard_path, write_shard

    for split, n in (("train", 2), ("test", N_TEST)):
        for letter, value in (("A", BLACK), ("B", GREY)):
            folder = root / f"{split}{letter}"
            if npz:
                write_shard(shard_path(folder, 0), [np.asarray(_square(value))] * n,
                            [f"{i}.jpg" for i in range(n)], (32, 32))
                continue
            folder.mkdir(parents=True)
            for i in range(n):
                _square(value).save(folder / f"{i}.png")


def _train(tmp_path: Path, method: str, data: Path, direction: str) -> Path:
    sets = [x for s in TINY[method] + [f"data.direction={direction}", "train.sample_every=0"]
            for x in ("--set", s)]
    result = CliRunner().invoke(app, ["train", method, "--data", str(data), "--size", "32",
                                      "--max-steps", "1", "--workers", "0", "--quiet",
                                      "--name", "run", "--out-dir", str(tmp_path / "runs"),
                                      *sets])
    assert result.exit_code == 0, result.output
    return tmp_path / "runs" / "run"


@pytest.fixture
def grey_translation(monkeypatch):
    """Every translation returns mid-grey; the list gets (direction, input mean) per call."""
    from i2i.methods.base import Method
    from i2i.methods.pix2pix import Pix2Pix

    seen = []

    def translate(self, x, direction="AtoB"):
        seen.append((direction, float(x.mean())))
        return torch.full_like(x, GREY / 127.5 - 1)

    monkeypatch.setattr(Method, "translate", translate)
    monkeypatch.setattr(Pix2Pix, "translate", translate)
    return seen


def _evaluate(run: Path, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(app, ["evaluate", str(run), "-m", "psnr", "--json", str(out),
                                      *args])
    assert result.exit_code == 0, result.output
    [row] = json.loads(out.read_text())["rows"]
    row["psnr"] = float(row["psnr"])  # a perfect match is written as "inf"
    return row


def _source_value(seen) -> int:
    """BLACK or GREY: what the translated inputs were."""
    means = {round((m + 1) * 127.5) for _, m in seen}
    assert len(means) == 1, means
    return means.pop()


LAYOUTS = {
    "aligned": ("pix2pix", lambda root: (_side_by_side(root, "train", 2),
                                         _side_by_side(root, "test", N_TEST))),
    "aligned-val": ("pix2pix", lambda root: (_side_by_side(root, "train", 2),
                                             _side_by_side(root, "val", N_TEST))),
    "folders": ("pix2pix", _domain_folders),
    "unaligned": ("cyclegan", _domain_folders),
    "unaligned-npz": ("cyclegan", lambda root: _domain_folders(root, npz=True)),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("trained", ["AtoB", "BtoA"])
def test_a_run_is_scored_on_its_own_test_split_in_the_direction_it_learned(
        layout, trained, tmp_path, grey_translation, one_torch_thread):
    """Guards against run-level evaluation that knows only testA/ testB/ (aligned train/
    test/ or val/ runs stopped with "no testA/ folder"; npz shards were not images), and
    against ignoring ``data.direction=BtoA`` (the run then translated its targets and was
    scored against its inputs)."""
    method, make = LAYOUTS[layout]
    make(tmp_path / "data")
    run = _train(tmp_path, method, tmp_path / "data", trained)
    row = _evaluate(run, tmp_path)
    source, target = (BLACK, GREY) if trained == "AtoB" else (GREY, BLACK)
    assert row["n_real"] == N_TEST and row["n_fake"] == N_TEST
    assert _source_value(grey_translation) == source
    assert {d for d, _ in grey_translation} == {"AtoB"}
    assert (row["psnr"] > 40) == (target == GREY) and row["psnr"] > 5


def test_cyclegan_btoa_evaluation_is_the_reverse_of_its_trained_direction(
        tmp_path, grey_translation, one_torch_thread):
    """Guards against ``--direction BtoA`` on a run trained with data.direction=BtoA
    translating the same folder as the default (the two swaps must compose)."""
    _domain_folders(tmp_path / "data")
    run = _train(tmp_path, "cyclegan", tmp_path / "data", "BtoA")
    row = _evaluate(run, tmp_path, "--direction", "BtoA")
    assert _source_value(grey_translation) == BLACK and row["psnr"] > 40
    assert {d for d, _ in grey_translation} == {"BtoA"} and row["direction"] == "BtoA"
    assert row["real"] == str(tmp_path / "data" / "testB")


def test_pix2pix_run_refuses_the_direction_it_cannot_translate(tmp_path, one_torch_thread):
    """Guards against a pix2pix run scored "BtoA" with its only (AtoB) generator."""
    _side_by_side(tmp_path / "data", "train", 2)
    _side_by_side(tmp_path / "data", "test", 1)
    run = _train(tmp_path, "pix2pix", tmp_path / "data", "AtoB")
    result = CliRunner().invoke(app, ["evaluate", str(run), "-m", "psnr", "--direction", "BtoA"])
    assert result.exit_code == 2 and "translate AtoB only" in result.output


def test_aligned_run_without_a_test_split_is_a_clear_error(tmp_path, one_torch_thread):
    """Guards against a traceback, or the misleading "no testA/ folder", when an aligned
    run's data has neither test/ nor val/."""
    _side_by_side(tmp_path / "data", "train", 2)
    run = _train(tmp_path, "pix2pix", tmp_path / "data", "AtoB")
    result = CliRunner().invoke(app, ["evaluate", str(run), "-m", "psnr"])
    assert result.exit_code == 3 and "has no test/ (or val/) folder" in result.output


def test_eval_every_scores_an_aligned_btoa_run_during_training(tmp_path, tiny_inception,
                                                               one_torch_thread):
    """Guards against the --eval-every callback knowing only testA/ testB/: an aligned
    pix2pix run trained BtoA must be scored each epoch, not stopped at the start."""
    _side_by_side(tmp_path / "data", "train", 2)
    _side_by_side(tmp_path / "data", "test", N_TEST)
    sets = [x for s in TINY["pix2pix"] + ["data.direction=BtoA", "train.sample_every=0"]
            for x in ("--set", s)]
    result = CliRunner().invoke(app, ["train", "pix2pix", "--data", str(tmp_path / "data"),
                                      "--size", "32", "--epochs", "1", "--eval-every", "1",
                                      "--workers", "0", "--quiet", "--name", "ev",
                                      "--out-dir", str(tmp_path / "runs"), *sets])
    assert result.exit_code == 0, result.output
    log = (tmp_path / "runs" / "ev" / "log.jsonl").read_text().splitlines()
    evals = [r for r in map(json.loads, log) if r.get("eval") == "test"]
    assert len(evals) == 1 and evals[0]["fid"] > 0
