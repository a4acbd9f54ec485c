"""The thesis's latent and feature methods go from `i2i train` to `i2i evaluate` as the
docs say: UNIT, CycleGAN+VAE (into its second stage) and latent-features transfer each
train two steps, and one `i2i evaluate` scores all three runs into one CSV with the real
FID Inception (../shared/weights). Guards against a method that trains but whose runs
cannot be translated or scored (a translate signature or an inference-mode optimisation
that evaluate's path does not take)."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from i2i.cli.main import app

COMMON = ["--size", "32", "--max-steps", "2", "--workers", "0", "--quiet"]
RUNS = {
    "unit": ("builtin:toy", []),
    "cyclegan_vae": ("builtin:toy", ["options.vae_steps=1"]),
    "latent_transfer": ("builtin:toy_paired", [
        "options.network=vgg16", "options.content_layer=conv2_2",
        "options.style_layers=[conv1_1, conv2_1]", "options.style_layer_weights=[0.5, 1.0]",
        "options.translate_steps=2"]),
}


def test_latent_methods_train_and_are_scored_together(tmp_path, shared_weights, monkeypatch):
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))
    runner = CliRunner()
    for method, (data, sets) in RUNS.items():
        extra = [x for s in sets for x in ("--set", s)]
        done = runner.invoke(app, ["train", method, "--data", data, *COMMON, "--name", method,
                                   "--out-dir", str(tmp_path), *extra])
        assert done.exit_code == 0, (method, done.output)
    scored = runner.invoke(app, ["evaluate", *(str(tmp_path / m) for m in RUNS), "--metric",
                                 "kid", "--csv", str(tmp_path / "scores.csv")])
    assert scored.exit_code == 0, scored.output
    with open(tmp_path / "scores.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == list(RUNS)
    assert all(r["n_fake"] == "20" and r["kid"] != "" for r in rows)
