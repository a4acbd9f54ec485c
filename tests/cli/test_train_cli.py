from __future__ import annotations

import pytest
from PIL import Image

from tests.cli.conftest import TINY_SETS


def test_help_lists_subcommands_with_examples(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for name in ("train", "translate", "plugins"):
        assert name in result.output
    train_help = cli("train", "--help").output
    assert "i2i train cyclegan --data" in train_help


def test_a_run_leaves_config_checkpoint_log_samples_plot_and_page(tmp_path, cli):
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--max-steps", "3",
                 "--workers", "0", "--quiet", "--name", "r", "--out-dir", str(tmp_path),
                 *TINY_SETS, "--set", "train.sample_every=2", "--set", "train.log_every=1")
    assert result.exit_code == 0, result.output
    run = tmp_path / "r"
    assert "method: cyclegan" in (run / "config.yaml").read_text()
    assert len((run / "log.jsonl").read_text().splitlines()) == 3
    assert [p.name for p in sorted((run / "samples").glob("*.png"))] == [
        "step_0000002.png", "step_0000003.png"]
    assert Image.open(run / "loss.png").size[0] > 300
    page = (run / "index.html").read_text()
    assert "samples/step_0000003.png" in page and "loss.png" in page
    assert list((run / "checkpoints").glob("step_*.pt"))


def test_existing_run_folder_is_not_overwritten_without_asking(tiny_run, cli):
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32",
                 "--name", tiny_run.name, "--out-dir", str(tiny_run.parent))
    assert result.exit_code == 2
    assert "already exists" in result.output and "--resume" in result.output


@pytest.mark.parametrize("args,code,message", [
    (["nosuch", "--data", "builtin:toy"], 2, "unknown method 'nosuch'; choose one of"),
    (["cyclegan", "--data", "/no/such/folder"], 3, "data folder not found"),
    (["cyclegan", "--data", "builtin:toy", "--set", "generator.name=resnot"], 2,
     "unknown generator 'resnot'"),
    (["cyclegan", "--data", "builtin:toy", "--set", "loss.gann=x"], 2,
     "unknown setting 'loss.gann'"),
    (["cyclegan", "--data", "builtin:toy", "--set", "data.batch_size=two"], 2,
     "must be int"),
    (["cyclegan", "--data", "builtin:toy", "--set", "loss.gan=wgan"], 2,
     "unknown gan loss 'wgan'"),
    (["cyclegan", "--data", "builtin:toy", "--set", "generator.params.blocks=3"], 2,
     "unknown parameter 'generator.params.blocks'"),
    (["cyclegan", "--data", "builtin:toy", "--precision", "fp16", "--device", "cpu"], 2,
     "needs a CUDA GPU"),
    (["cyclegan", "--data", "builtin:toy", "--epochs", "0"], 2, "--epochs must be at least 1"),
    (["--resume", "/no/such/run"], 4, "not a run folder"),
    (["cyclegan", "--data", "builtin:toy", "--config", "/no/config.yaml"], 2,
     "config file not found"),
])
def test_bad_input_is_one_line_with_its_exit_code(tmp_path, cli, args, code, message):
    result = cli("train", *args, "--out-dir", str(tmp_path), "--max-steps", "1", "--quiet",
                 "--workers", "0")
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_empty_data_folder_is_a_data_error(tmp_path, cli):
    for sub in ("trainA", "trainB"):
        (tmp_path / "d" / sub).mkdir(parents=True)
    result = cli("train", "cyclegan", "--data", str(tmp_path / "d"), "--out-dir", str(tmp_path),
                 "--quiet")
    assert result.exit_code == 3
    assert "no images in" in result.output


def test_debug_shows_the_traceback(tmp_path, cli):
    from i2i.plugins import UnknownNameError

    result = cli("--debug", "train", "nosuch", "--data", "builtin:toy")
    assert isinstance(result.exception, UnknownNameError)  # raised, not turned into a line
    plain = cli("train", "nosuch", "--data", "builtin:toy")
    assert isinstance(plain.exception, SystemExit) and plain.exit_code == 2


def test_resume_after_the_end_changes_nothing_and_more_steps_continue(tmp_path, cli):
    common = ["--workers", "0", "--quiet"]
    assert cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--max-steps", "2",
               "--name", "c", "--out-dir", str(tmp_path), *TINY_SETS, *common).exit_code == 0
    result = cli("train", "--resume", str(tmp_path / "c"), "--max-steps", "4", *common)
    assert result.exit_code == 0, result.output
    assert "4 steps" in result.output


def test_command_line_options_land_in_the_saved_config(tmp_path, cli):
    import yaml

    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--epochs", "5",
                 "--batch-size", "2", "--seed", "7", "--workers", "0", "--max-steps", "1",
                 "--device", "cpu", "--no-channels-last", "--threads", "1", "--name", "opts",
                 "--out-dir", str(tmp_path), "--quiet", *TINY_SETS)
    assert result.exit_code == 0, result.output
    cfg = yaml.safe_load((tmp_path / "opts" / "config.yaml").read_text())
    assert cfg["data"]["crop_size"] == 32 and cfg["data"]["load_size"] == 35
    assert cfg["data"]["batch_size"] == 2 and cfg["data"]["num_workers"] == 0
    assert (cfg["schedule"]["n_epochs"], cfg["schedule"]["n_epochs_decay"]) == (3, 2)
    assert cfg["train"]["seed"] == 7 and cfg["train"]["device"] == "cpu"
    assert cfg["train"]["channels_last"] is False
    assert cfg["train"]["threads"] == 1


def test_overwrite_replaces_a_run_and_preset_sets_defaults(tmp_path, cli):
    args = ["train", "cyclegan", "--preset", "cyclegan_horse2zebra", "--data", "builtin:toy",
            "--size", "32", "--max-steps", "1", "--workers", "0", "--quiet",
            "--out-dir", str(tmp_path), *TINY_SETS]
    assert cli(*args).exit_code == 0
    run = tmp_path / "horse2zebra"  # the preset names the run
    (run / "stale.txt").write_text("old")
    assert cli(*args).exit_code == 2
    assert cli(*args, "--overwrite").exit_code == 0
    assert not (run / "stale.txt").exists() and (run / "config.yaml").is_file()


def test_direction_and_loss_typos_reach_the_config(tmp_path, cli):
    import yaml

    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--max-steps", "1",
                 "--direction", "BtoA", "--workers", "0", "--quiet", "--name", "d",
                 "--out-dir", str(tmp_path), *TINY_SETS)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((tmp_path / "d" / "config.yaml").read_text())["data"]["direction"] == \
        "BtoA"
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--set", "loss.cycle=l3",
                 "--out-dir", str(tmp_path), "--quiet")
    assert result.exit_code == 2 and "unknown recon loss 'l3'" in result.output
    # a loss setting cyclegan does not read is refused as such, typo or not
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--set", "loss.recon=l3",
                 "--out-dir", str(tmp_path), "--quiet")
    assert result.exit_code == 2 and "cyclegan does not read 'loss.recon'" in result.output


def test_eval_every_scores_the_test_split_during_training(tmp_path, cli, shared_weights,
                                                          monkeypatch):
    import json

    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--epochs", "1",
                 "--eval-every", "1", "--workers", "0", "--quiet", "--name", "ev",
                 "--out-dir", str(tmp_path), *TINY_SETS, "--set", "data.max_dataset_size=4")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "ev" / "log.jsonl").read_text().splitlines()]
    evals = [r for r in rows if r.get("eval") == "test"]
    assert len(evals) == 1 and evals[0]["fid"] > 0 and "kid" in evals[0]
    assert (tmp_path / "ev" / "metrics.png").is_file()
    assert "evaluation" in (tmp_path / "ev" / "index.html").read_text()


def test_bf16_autocast_trains_on_cpu(tmp_path, cli, monkeypatch):
    """Guards against ``--precision bf16`` silently running in fp32: the generators in the
    training steps must give bfloat16 outputs."""
    import json

    import torch

    from i2i.methods.base import Method

    dtypes = []
    build = Method.build_generator

    def recording(self, *args, **kwargs):
        net = build(self, *args, **kwargs)
        net.register_forward_hook(lambda mod, inp, out: dtypes.append(out.dtype))
        return net

    monkeypatch.setattr(Method, "build_generator", recording)
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--max-steps", "2",
                 "--precision", "bf16", "--device", "cpu", "--workers", "0", "--quiet",
                 "--name", "bf", "--out-dir", str(tmp_path), *TINY_SETS,
                 "--set", "train.log_every=1")
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "bf" / "log.jsonl").read_text().splitlines()]
    assert all(0 < r["cycle_A"] < 100 for r in rows)
    assert torch.bfloat16 in dtypes  # sample grids outside the steps may run in fp32
