"""Loss terms through `i2i train`: what a method cannot feed is one line before training;
CycleGAN takes the spatially-correlative term by config; CUT resumes exactly with the
PatchNCE heads (a loss that owns trainable parameters)."""

from __future__ import annotations

import json

import pytest
import torch

from i2i.training import checkpoint as ckpt

SMALL = ["--set", "generator.params.ngf=4", "--set", "generator.params.n_blocks=2",
         "--set", "discriminator.params.ndf=4", "--set", "discriminator.params.n_layers=1",
         "--set", "train.sample_every=0", "--set", "train.log_every=1"]
COMMON = ["--workers", "0", "--quiet", "--size", "32", "--data", "builtin:toy"]
NCE_FITS = ["--set", "loss.terms.patchnce.params.num_patches=16",
            "--set", "loss.terms.patchnce.params.layers=[0, 4, 8, 12]"]
SCL_FITS = ["--set", "loss.terms.scl.params.layers=[conv2_1, conv3_1]",
            "--set", "loss.terms.scl.params.num_patches=16",
            "--set", "loss.terms.scl.params.patch_size=8"]


def one_error_line(result) -> str:
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


@pytest.fixture
def weights(shared_weights, monkeypatch):
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))


@pytest.mark.parametrize("method,args,code,message", [
    ("cut", ["--set", "loss.terms.patchnce.params.layers=[0, 99]"], 2,
     "99 is not a layer"),
    ("cut", [*NCE_FITS, "--set", "loss.terms.patchnce.params.temperature=0"], 2,
     "temperature > 0"),
    ("cut", [*NCE_FITS, "--set", "loss.terms.patchnce.params.heads=3"], 2,
     "unknown parameter 'loss.terms.patchnce.params.heads'"),
    ("cut", [*NCE_FITS, "--set", "loss.terms.patchnce.weight=-1"], 2,
     "'loss.terms.patchnce.weight' is -1"),
    ("cut", [*NCE_FITS, "--set", "loss.terms.nosuch.weight=1"], 2,
     "unknown term 'nosuch'; choose one of"),
    ("cut", [*NCE_FITS, "--set", "loss.terms.extra={name: recon, weight: 1}"], 2,
     "loss.terms.extra needs target, which cut does not feed"),
    ("cut", [*NCE_FITS, "--set", "loss.identity=2"], 2, "share of the terms"),
    ("sc", ["--set", "loss.terms.scl.params.layers=[conv9_9]"], 2,
     "unknown layer 'conv9_9' for vgg16; valid layers: conv1_1"),
    ("sc", [*SCL_FITS, "--set", "loss.terms.scl.params.num_patches=-1"], 2,
     "num_patches must be >= 0 (0: every position)"),
    ("sc", [*SCL_FITS, "--set", "loss.terms.scl.params.mode=l7"], 2, "choose one of: cos, l1"),
    ("cyclegan", ["--set", "loss.terms.scl.weight=x"], 2, "must be a number >= 0"),
    ("cyclegan", ["--set", "loss.terms.scl.params.learned=true"], 2,
     "'loss.terms.scl' has no weight"),  # params alone must not switch a term on
])
def test_a_term_the_method_cannot_feed_is_one_line_before_training(tmp_path, cli, weights,
                                                                   method, args, code,
                                                                   message):
    """Guards against tracebacks from deep inside a loss, and against silently clamping a
    layer the network cannot give."""
    result = cli("train", method, *COMMON, "--out-dir", str(tmp_path / "runs"), *SMALL, *args,
                 "--max-steps", "1")
    assert result.exit_code == code, result.output
    assert message in one_error_line(result)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("method", ["cut", "fastcut"])
def test_cut_at_32px_takes_every_position_of_a_small_map_and_says_so_once(tmp_path, cli,
                                                                           method):
    """The authors' PatchSampleF draws min(num_patches, H*W) positions; at 32 px CUT's
    layers 12 and 16 are 8x8 maps, so 256 asked gives 64 there. Guards against refusing
    to start (a smoke test at a small size needing extra settings) and against doing it
    silently or once per step."""
    result = cli("train", method, *COMMON, "--out-dir", str(tmp_path), "--name", "c", *SMALL,
                 "--set", "generator.params.n_blocks=5", "--max-steps", "2")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "num_patches is 256" in line]
    assert len(notes) == 1, result.output
    assert "layer 12: 64 (8x8)" in notes[0] and "layer 16: 64 (8x8)" in notes[0]
    assert "layer 8" not in notes[0]  # 16x16 = 256 positions: enough
    rows = [json.loads(x) for x in (tmp_path / "c" / "log.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(r["patchnce"] > 0 for r in rows)


def test_sc_starts_at_32_px_with_the_authors_patch_count(tmp_path, cli, weights):
    """Guards against refusing maps with fewer positions than num_patches (the authors take
    them all) and against doing so silently: one note names the counts used."""
    result = cli("train", "sc", *COMMON, "--out-dir", str(tmp_path), "--name", "s", *SMALL,
                 "--max-steps", "1")
    assert result.exit_code == 0, result.output
    assert "using all of them there (conv3_1 64, conv4_1 16, conv4_3 16)" in result.output
    assert result.output.count("num_patches is 256") == 1


def test_a_missing_vgg16_file_says_how_to_get_it(tmp_path, cli, monkeypatch):
    """Guards against a torch/urllib traceback when the frozen VGG16 is not on disk."""
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    result = cli("train", "sc", *COMMON, "--out-dir", str(tmp_path / "runs"), *SMALL,
                 *SCL_FITS, "--max-steps", "1")
    assert result.exit_code == 5, result.output
    line = one_error_line(result)
    assert "vgg16" in line.lower()


def test_cyclegan_takes_the_spatially_correlative_term_by_config(tmp_path, cli, weights):
    """Guards against a term selected by config but never computed or logged."""
    result = cli("train", "cyclegan", *COMMON, "--out-dir", str(tmp_path), "--name", "c",
                 *SMALL, "--set", "loss.terms.scl.weight=10", *SCL_FITS, "--max-steps", "2")
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "c" / "log.jsonl").read_text().splitlines()]
    assert all(r["scl_A"] > 0 and r["scl_B"] > 0 for r in rows)


@pytest.mark.parametrize("learned", [False, True])
def test_sc_trains_fsesim_and_lsesim(tmp_path, cli, weights, learned):
    """Guards against the learned heads never taking their own contrastive step."""
    result = cli("train", "sc", *COMMON, "--out-dir", str(tmp_path), "--name", "s", *SMALL,
                 *SCL_FITS, "--set", f"loss.terms.scl.params.learned={str(learned).lower()}",
                 "--max-steps", "2")
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "s" / "log.jsonl").read_text().splitlines()]
    assert all(r["scl"] > 0 for r in rows)
    payload = ckpt.load_latest(tmp_path / "s")[1]
    assert ("term_scl" in payload["nets"]) is learned
    if learned:
        assert all(r["scl_contrast"] > 0 for r in rows)
        assert payload["optimizers"]["term_scl"]["state"]
        assert not any(k.startswith("vgg") for k in payload["nets"]["term_scl"])


@pytest.mark.parametrize("method", ["cut", "fastcut"])
def test_resumes_exactly_with_its_trainable_patchnce_heads(tmp_path, cli, method):
    """Guards against a loss's own parameters or optimiser state left out of checkpoints,
    and FastCUT's flip draws replayed from the seed on resume: 5 steps straight must equal
    3 + resume + 2, heads included."""
    args = ["train", method, *COMMON, "--out-dir", str(tmp_path), *SMALL, *NCE_FITS,
            "--set", "data.max_dataset_size=4", "--set", "data.batch_size=2",
            "--set", "schedule.n_epochs=1", "--set", "schedule.n_epochs_decay=2"]
    assert cli(*args, "--name", "straight", "--max-steps", "5").exit_code == 0
    assert cli(*args, "--name", "split", "--max-steps", "3").exit_code == 0
    resumed = cli("train", "--resume", str(tmp_path / "split"), "--max-steps", "5",
                  "--workers", "0", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    a = ckpt.load_latest(tmp_path / "straight")[1]
    b = ckpt.load_latest(tmp_path / "split")[1]
    assert "term_patchnce" in a["nets"] and a["optimizers"]["term_patchnce"]["state"]
    for key, state in a["nets"].items():
        for name, tensor in state.items():
            assert torch.equal(tensor, b["nets"][key][name]), f"{key}.{name}"
