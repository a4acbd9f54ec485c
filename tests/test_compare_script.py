"""examples/experiments/compare.sh trains a table's rows (here the study's five unpaired
methods) and scores them into one CSV and one plot; a rerun resumes instead of starting
over.

Guards against the comparison docs/guide/experiments.md promises existing only on paper: a method
name or option the script passes that i2i does not take, a run missing from the scores, or a
rerun that retrains (or refuses) finished runs. Tiny nets, one step each, 128 px (the
smallest size at which every method's published patch counts fit its feature maps).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

from i2i.data import toy

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "experiments" / "compare.sh"
TINY = ["--size", "128", "--max-steps", "1", "--workers", "0", "-q",
        "--set", "generator.params.ngf=4", "--set", "generator.params.n_blocks=1",
        "--set", "discriminator.params.ndf=4", "--set", "train.sample_every=0"]


def test_compare_script_trains_five_methods_and_scores_them_together(tmp_path,
                                                                    shared_weights):
    shutil.copytree(toy.materialise(128), tmp_path / "datasets" / "toy")
    env = dict(os.environ, OMP_NUM_THREADS="1", I2I_WEIGHTS_DIR=str(shared_weights),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])

    def run():
        return subprocess.run(["bash", str(SCRIPT), "unpaired", "toy", *TINY], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=900)

    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    with open(tmp_path / "compare_unpaired_toy.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["cyclegan_toy", "cyclegan_scl_toy", "cut_toy",
                                         "fastcut_toy", "sc_toy"]
    assert all(float(r["fid"]) > 0 and r["n_fake"] == "20" for r in rows)
    assert Image.open(tmp_path / "compare_unpaired_toy.png").width > 300
    second = run()
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stderr.count("nothing to do") == 5


def test_baselines_table_runs_end_to_end_at_a_tiny_size(tmp_path, shared_weights):
    """The CycleGAN paper's whole table (CycleGAN, five baselines, two ablations, PacGAN2),
    one step each, scored into one CSV: every method name and option in
    tables/baselines.txt must be one i2i takes, and every run must translate."""
    shutil.copytree(toy.materialise(128), tmp_path / "datasets" / "toy")
    env = dict(os.environ, OMP_NUM_THREADS="1", I2I_WEIGHTS_DIR=str(shared_weights),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    tiny = ["--size", "128", "--max-steps", "1", "--workers", "0", "-q",
            "--set", "generator.params.ngf=4", "--set", "discriminator.params.ndf=4",
            "--set", "train.sample_every=0", "--set", "data.batch_size=2"]
    done = subprocess.run(["bash", str(SCRIPT), "baselines", "toy", *tiny], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(tmp_path / "compare_baselines_toy.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == [
        f"{row}_toy" for row in ("cyclegan", "cogan", "bigan", "simgan", "featgan", "dtn",
                                 "gan_alone", "cycle_alone", "cyclegan_pacgan2")]
    assert all(float(r["fid"]) > 0 and r["n_fake"] == "20" for r in rows)
    assert Image.open(tmp_path / "compare_baselines_toy.png").width > 300
