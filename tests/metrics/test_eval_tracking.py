"""``--eval-every`` with ``--log tensorboard``: each evaluation row reaches the tracker as
``eval/<metric>`` at the step it was scored, beside the losses (stand-in Inception)."""

from __future__ import annotations

import pytest
from conftest import make_images

from i2i.metrics.eval_callback import EvalCallback
from i2i.metrics.job import EvalOptions
from i2i.runs import resolve_train_config
from i2i.training.callbacks import default_callbacks
from i2i.training.loop import train
from i2i.training.trackers.selected import tracker_callbacks


def test_evaluation_rows_are_logged_to_tensorboard_at_their_steps(tmp_path, tiny_inception):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for name, seed in (("trainA", 1), ("trainB", 2), ("testA", 3), ("testB", 4)):
        make_images(tmp_path / "data" / name, 3, size=(32, 32), seed=seed)
    cfg = resolve_train_config(
        "cyclegan", None, None, {"data": {"root": str(tmp_path / "data"), "crop_size": 32,
                                          "load_size": 32, "num_workers": 0}},
        ["generator.params.ngf=4", "generator.params.n_blocks=1", "discriminator.params.ndf=4",
         "schedule.n_epochs=1", "schedule.n_epochs_decay=1", "train.device=cpu",
         "train.log=[tensorboard]", "train.sample_every=0", "train.log_every=1"])
    evaluation = EvalCallback(every=1, options=EvalOptions(metrics=("fid",)))
    run = tmp_path / "run"
    ctx = train(cfg, run, callbacks=default_callbacks(
        False, extra=[evaluation, *tracker_callbacks(cfg)]), show_progress=False)
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    fid = [(e.step, e.value) for e in events.Scalars("eval/fid")]
    assert [s for s, _ in fid] == [r["step"] for r in ctx.metrics] == [3, 6]
    assert [v for _, v in fid] == pytest.approx([r["fid"] for r in ctx.metrics], rel=1e-5)
    assert [e.step for e in events.Scalars("loss/G_A")] == [1, 2, 3, 4, 5, 6]
