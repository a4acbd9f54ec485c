"""Run-level evaluation and the --eval-every callback, on a tiny untrained CycleGAN run.

Needs the training side (``i2i.runs``, ``i2i.inference.files``, ``i2i.training.loop``); skipped
where they are absent. The Inception is replaced by a tiny stand-in (``tiny_inception``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import make_images
from PIL import Image
from typer.testing import CliRunner

pytest.importorskip("i2i.runs")
pytest.importorskip("i2i.inference.files")
pytest.importorskip("i2i.training.loop")


def _data(root: Path) -> Path:
    for name, seed in (("trainA", 1), ("trainB", 2), ("testA", 3), ("testB", 4)):
        make_images(root / name, 4, size=(32, 32), seed=seed)
    return root


def _config(data: Path):
    from i2i.runs import resolve_train_config

    return resolve_train_config(
        "cyclegan", None, None,
        {"data": {"root": str(data), "crop_size": 32, "load_size": 32}},
        ["generator.params.n_blocks=1", "schedule.n_epochs=1", "schedule.n_epochs_decay=1",
         "train.device=cpu"])


@pytest.fixture
def tiny_run(tmp_path):
    """A run folder with two epoch checkpoints of an untrained tiny CycleGAN."""
    from i2i.config import to_yaml
    from i2i.images import write_bytes_atomic
    from i2i.plugins import lookup
    from i2i.training import checkpoint as ckpt

    cfg = _config(_data(tmp_path / "data"))
    run = tmp_path / "runs" / "tiny"
    run.mkdir(parents=True)
    write_bytes_atomic(to_yaml(cfg).encode(), run / "config.yaml")
    method = lookup("methods", "cyclegan")(cfg, torch.device("cpu"), training=True)
    for epoch in (1, 2):
        torch.manual_seed(epoch)
        for net in method.nets.values():
            for p in net.parameters():
                p.data.normal_(0, 0.02)
        payload = ckpt.build_payload(method, {}, ckpt.Counters(epoch=epoch), cfg.to_dict())
        path = run / ckpt.CHECKPOINT_DIR / ckpt.checkpoint_name("epoch", epoch)
        ckpt.save_checkpoint(path, payload)
        ckpt.mark_latest(path)
    return run


def test_all_checkpoints_give_a_row_each_and_best_and_last(tiny_run, tiny_inception):
    from i2i.metrics.job import EvalOptions
    from i2i.metrics.runs import evaluate_runs

    result = evaluate_runs([tiny_run], EvalOptions(metrics=("fid", "kid"), kid_subsets=2),
                           all_checkpoints=True)
    assert [(r["checkpoint"], r["epoch"]) for r in result.rows] == [
        ("epoch_0001.pt", 1), ("epoch_0002.pt", 2)]
    assert all(r["n_fake"] == 4 and r["n_real"] == 4 for r in result.rows)
    fid = result.summary[str(tiny_run)]["fid"]
    assert fid["last_checkpoint"] == "epoch_0002.pt"
    assert fid["best"] == min(r["fid"] for r in result.rows)


def test_a_run_scores_its_latest_checkpoint_via_the_cli(tiny_run, tiny_inception, tmp_path):
    from i2i.cli.main import app

    result = CliRunner().invoke(app, ["evaluate", str(tiny_run), "-m", "fid", "--json",
                                      str(tmp_path / "o.json"), "--plot",
                                      str(tmp_path / "o.png")])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "o.json").read_text())["rows"]
    assert [(r["name"], r["checkpoint"]) for r in rows] == [("tiny", "epoch_0002.pt")]
    assert Image.open(tmp_path / "o.png").width > 100


def test_unknown_metric_fails_before_any_translation(tiny_run, monkeypatch):
    import i2i.metrics.runs as runs
    from i2i.cli.main import app

    monkeypatch.setattr(runs, "score_method", lambda *a, **k: pytest.fail("translated"))
    result = CliRunner().invoke(app, ["evaluate", str(tiny_run), "-m", "fid,nope"])
    assert result.exit_code == 2 and "unknown metric 'nope'" in result.output


def test_run_data_without_a_test_split_is_a_clear_error(tiny_run, tiny_inception):
    import shutil

    from i2i.cli.main import app

    data = Path(_config_root(tiny_run))
    shutil.rmtree(data / "testB")
    result = CliRunner().invoke(app, ["evaluate", str(tiny_run), "-m", "fid"])
    assert result.exit_code == 3 and "has no testB/ folder" in result.output


def _config_root(run: Path) -> str:
    import yaml

    return yaml.safe_load((run / "config.yaml").read_text())["data"]["root"]


def test_eval_callback_logs_plots_and_feeds_the_run_page(tmp_path, tiny_inception):
    from i2i.metrics.eval_callback import EvalCallback
    from i2i.metrics.job import EvalOptions
    from i2i.training.callbacks import RunPage, default_callbacks
    from i2i.training.loop import train

    cfg = _config(_data(tmp_path / "data"))
    run = tmp_path / "runs" / "cb"
    callbacks = default_callbacks(show_progress=False)
    page = next(i for i, c in enumerate(callbacks) if isinstance(c, RunPage))
    callbacks.insert(page, EvalCallback(every=1, options=EvalOptions(metrics=("fid",))))
    ctx = train(cfg, run, callbacks=callbacks, show_progress=False)
    assert [r["epoch"] for r in ctx.metrics] == [1, 2]
    logged = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in logged if r.get("eval") == "test"] == [1, 2]
    assert (run / "metrics.png").is_file()
    assert "evaluation" in (run / "index.html").read_text()


def test_eval_callback_fails_at_start_when_the_data_has_no_test_split(tmp_path):
    import shutil

    from i2i.errors import DataError
    from i2i.metrics.eval_callback import EvalCallback

    data = _data(tmp_path / "data")
    shutil.rmtree(data / "testB")

    class Ctx:
        cfg = _config(data)
        metrics: list = []
        run_dir = tmp_path

    with pytest.raises(DataError, match="no testB/ folder"):
        EvalCallback(every=1).check(Ctx())


def test_test_images_that_fail_to_translate_are_reported(tiny_run, tiny_inception):
    from i2i.cli.main import app

    data = Path(_config_root(tiny_run))
    (data / "testA" / "001.png").write_bytes(b"broken")
    result = CliRunner().invoke(app, ["evaluate", str(tiny_run), "-m", "fid"])
    assert result.exit_code == 8
    assert "001.png" in result.output and "1 unreadable image(s) skipped" in result.output


def test_a_run_is_scored_on_its_translations_not_on_its_inputs(tiny_run, tiny_inception,
                                                               tmp_path):
    """Guards against run-level evaluation scoring untranslated test images (generator
    never applied): the run's FID must equal FID(translate testA, testB) computed by hand
    through the CLI, and differ from FID(testA, testB)."""
    from i2i.cli.main import app

    runner = CliRunner()
    data = Path(_config_root(tiny_run))

    def fid(*args) -> float:
        out = tmp_path / f"score{len(list(tmp_path.glob('score*')))}.json"
        result = runner.invoke(app, ["evaluate", *args, "-m", "fid", "--json", str(out)])
        assert result.exit_code == 0, result.output
        return json.loads(out.read_text())["rows"][0]["fid"]

    translated = runner.invoke(app, ["translate", str(tiny_run), str(data / "testA"),
                                     "--out", str(tmp_path / "fakes"), "--quiet"])
    assert translated.exit_code == 0, translated.output
    by_hand = fid("--real", str(data / "testB"), "--fake", str(tmp_path / "fakes"))
    untranslated = fid("--real", str(data / "testB"), "--fake", str(data / "testA"))
    run_score = fid(str(tiny_run))
    assert run_score == pytest.approx(by_hand, rel=1e-6)
    assert abs(run_score - untranslated) > 1e-3 * max(1.0, abs(untranslated))
