"""The CUDA tier (``pytest -m cuda``): every CUDA path run for real. Skipped without CUDA.

Training in fp32, bf16 and fp16 (GradScaler), with and without channels_last; exact resume
under deterministic algorithms; translate and FID on CUDA equal to the CPU's within stated
tolerances; torchrun with NCCL on one GPU; no memory growth across epochs.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from toy_runs import assert_resume_is_exact, losses_by_step, toy_config

from i2i.training.loop import train

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT.parent / "shared" / "weights"


@pytest.fixture(autouse=True)
def deterministic(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    yield


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("method", ["cyclegan", "pix2pix"])
def test_training_on_cuda_gives_finite_losses_and_a_checkpoint(tmp_path, method, precision,
                                                               channels_last):
    cfg = toy_config(method, tmp_path, "run", 6, "train.device=cuda",
                     f"train.precision={precision}", f"train.channels_last={channels_last}")
    ctx = train(cfg, tmp_path / "run", show_progress=False)
    assert ctx.counters.global_step == 6
    rows = losses_by_step(tmp_path / "run")
    assert rows and all(math.isfinite(v) for r in rows.values() for k, v in r.items()
                        if isinstance(v, float))
    assert any((tmp_path / "run" / "checkpoints").glob("*.pt"))
    net = next(iter(ctx.method.nets.values()))
    assert next(net.parameters()).is_cuda


def test_resume_on_cuda_is_bit_exact_under_deterministic_algorithms(tmp_path):
    torch.use_deterministic_algorithms(True)
    try:
        assert_resume_is_exact("cyclegan", tmp_path, "train.device=cuda")
    finally:
        torch.use_deterministic_algorithms(False)


def _run(tmp_path, *extra):
    cfg = toy_config("cyclegan", tmp_path, "cpu_run", 3, *extra)
    train(cfg, tmp_path / "cpu_run", show_progress=False)
    return tmp_path / "cpu_run"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "i2i", *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_translate_on_cuda_equals_the_cpu_within_one_grey_level(tmp_path):
    run = _run(tmp_path)
    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
            src / f"{i}.png")
    for device in ("cpu", "cuda"):
        r = _cli("translate", str(run), str(src), "--out", str(tmp_path / device),
                 "--device", device, "-q")
        assert r.returncode == 0, r.stderr
    for i in range(4):
        a = np.asarray(Image.open(tmp_path / "cpu" / f"{i}.png"), dtype=int)
        b = np.asarray(Image.open(tmp_path / "cuda" / f"{i}.png"), dtype=int)
        assert np.abs(a - b).max() <= 1


@pytest.mark.skipif(not (WEIGHTS / "inception-2015-12-05-fid.pt").is_file(),
                    reason="needs ../shared/weights (the FID Inception network)")
def test_fid_on_cuda_equals_the_cpu_within_1e_3_relative(tmp_path):
    import json

    photos = sorted((ROOT.parent / "shared" / "data" / "photos").glob("*.jpg"))
    real, fake = tmp_path / "real", tmp_path / "fake"
    real.mkdir()
    fake.mkdir()
    for i, p in enumerate(photos):
        img = Image.open(p).convert("RGB")
        img.save((real if i % 2 else fake) / f"{i}.png")
    scores = {}
    for device in ("cpu", "cuda"):
        r = _cli("evaluate", "--metric", "fid", "--real", str(real), "--fake", str(fake),
                 "--device", device, "--weights-dir", str(WEIGHTS), "--no-cache",
                 "--json", "-")
        assert r.returncode == 0, r.stderr
        scores[device] = json.loads(r.stdout)["rows"][0]["fid"]
    assert abs(scores["cuda"] - scores["cpu"]) <= 1e-3 * abs(scores["cpu"])


def test_stylize_runs_on_cuda(tmp_path):
    photos = sorted((ROOT.parent / "shared" / "data" / "photos").glob("*.jpg"))
    art = ROOT.parent / "shared" / "data" / "art" / "starry_night.jpg"
    if not photos or not art.is_file() or not (WEIGHTS / "vgg16-features.pth").is_file():
        pytest.skip("needs ../shared data and VGG16 weights")
    r = _cli("stylize", str(photos[0]), str(art), "--out", str(tmp_path / "s.png"),
             "--device", "cuda", "--steps", "20", "--size", "128", "--network", "vgg16",
             "--weights-dir", str(WEIGHTS))
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "s.png").size[0] > 0


def test_torchrun_with_nccl_on_one_gpu(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "1", "-m",
           "i2i", "train", "cyclegan", "--data", "builtin:toy", "--size", "32",
           "--max-steps", "4", "--gpus", "1", "--quiet", "--name", "ddp", "--out-dir",
           str(tmp_path), "--set", "generator.params.ngf=8", "--set",
           "generator.params.n_blocks=1", "--set", "train.sample_every=0"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "I2I_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert any((tmp_path / "ddp" / "checkpoints").glob("*.pt"))


def test_no_cuda_memory_growth_across_epochs(tmp_path):
    from i2i.training.callbacks import Callback

    peaks: list[int] = []

    class Peak(Callback):
        def on_epoch_end(self, ctx):
            torch.cuda.synchronize()
            peaks.append(torch.cuda.memory_allocated())

    cfg = toy_config("cyclegan", tmp_path, "mem", 40, "train.device=cuda",
                     "data.max_dataset_size=8", "data.batch_size=2")
    from i2i.training.callbacks import default_callbacks

    train(cfg, tmp_path / "mem", show_progress=False,
          callbacks=default_callbacks(extra=[Peak()]))
    assert len(peaks) >= 4
    assert peaks[-1] <= peaks[1] * 1.05 + (1 << 20)
