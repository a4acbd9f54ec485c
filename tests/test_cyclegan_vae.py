"""cyclegan_vae on CPU: stage 1 makes a VAE that reconstructs builtin:toy, stage 2 moves
A's codes to B's with the VAE frozen, a stop in either stage resumes exactly, translation
runs both ways, and bad stage settings are one line.

What stage 2 is tested for, and why not the toy's exact map: the CycleGAN between latent
codes learns B's colours but not reliably the pixel-aligned colour rotation in a test's
budget. Measured on the 2-core dev machine with the settings of LEARN (VAE 4x codes,
300 + 300 steps, about 35 s), seeds 0, 1, 2: MAE to the truth 0.67, 0.66, 0.56 against
0.68 for the identity map and 0.51 for the untrained network, which decodes every image
to about 0 (grey) and so is a hard baseline under MAE. Longer runs do not fix it (4x
codes, 300 + 900 steps: 0.66, 0.57, 0.68), nor does CycleGAN's cycle weight 10 (0.68:
the translators stay at the identity, see i2i/configs/cyclegan_vae.yaml); with 2x codes
(16x16 at 32 px) and 300 + 1200 steps it reached 0.26, 0.32, 0.49 (about 60 s), two of
three under 0.7 x both baselines. The reason: the VAE's round trip is lossy (after 300
steps a code's L1 round-trip error is 0.42 at a code spread of 1.9), so many maps between
the codes are as cycle-consistent as the true one, and nothing in latent space ties a
code's position to the same place in the image as tightly as pixels do.

So stage 2 is held to what it reliably does (same seeds): the gap between the mean code
of translated A and of real B shrinks to 0.39, 0.34, 0.17 of its size, and the mean colour
of the translations moves to within 0.55, 0.32, 0.28 of the distance between the
stage-1 model's output (the VAE's reconstruction of A, the translators being near the
identity at the boundary) and the truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from i2i.data import toy
from i2i.errors import ConfigError
from i2i.images import list_images, load_rgb, pil_to_tensor
from i2i.methods.cyclegan_vae import CycleGANVAE
from i2i.runs import load_for_inference, resolve_train_config
from i2i.training import checkpoint as ckpt
from i2i.training.loop import train

TOY = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36}}
LEARN = ["data.batch_size=4", "data.num_workers=0", "train.sample_every=0", "train.threads=1",
         "generator.params.ngf=16", "generator.params.n_blocks=2",
         "discriminator.params.ndf=16", "options.vae_ngf=16", "options.vae_downsampling=2",
         "options.vae_steps=300"]
# 4 images a domain, batch 2: 2 steps an epoch, 4 epochs (lr decaying linearly after the
# first), the VAE alone for steps 0-2. Stops at 2 (inside stage 1) and 5 (inside stage
# 2) resume to 7; the code pools and dropout-free nets leave the RNG and pools to matter.
TINY = ["options.vae_ngf=4", "options.vae_downsampling=2", "options.vae_steps=3",
        "generator.params.ngf=4",
        "generator.params.n_blocks=1", "discriminator.params.ndf=4",
        "discriminator.params.n_layers=1", "data.max_dataset_size=4", "data.batch_size=2",
        "data.num_workers=0", "schedule.n_epochs=1", "schedule.n_epochs_decay=3",
        "train.pool_size=3", "train.log_every=1", "train.sample_every=0", "train.threads=1"]


def config(out: Path, name: str, sets: list[str]):
    return resolve_train_config("cyclegan_vae", None, None,
                                {**TOY, "name": name, "out_dir": str(out)}, sets)


def toy_images(split: str) -> torch.Tensor:
    return torch.stack([pil_to_tensor(load_rgb(p))
                        for p in list_images(toy.materialise(32) / split)])


@pytest.mark.numerics
def test_stage_one_reconstructs_and_stage_two_maps_codes_with_the_vae_frozen(tmp_path):
    test_a, test_b = toy_images("testA"), toy_images("testB")
    truth = test_a[:, [2, 0, 1]]
    torch.manual_seed(0)
    untrained = CycleGANVAE(config(tmp_path, "r", LEARN), torch.device("cpu"), training=False)
    untrained.inference_mode()
    stage1 = train(config(tmp_path, "r", [*LEARN, "train.max_steps=300"]), tmp_path / "r",
                   show_progress=False).method
    stage1.inference_mode()
    vae1 = {k: v.clone() for k, v in stage1.nets["VAE"].state_dict().items()}

    @torch.no_grad()
    def reconstruct(method):
        vae = method.nets["VAE"]
        return vae.decode(vae.encode(test_a))

    mae = (reconstruct(stage1) - test_a).abs().mean().item()
    mae_untrained = (reconstruct(untrained) - test_a).abs().mean().item()
    mae_mean_image = (test_a.mean(0, keepdim=True) - test_a).abs().mean().item()
    # measured: 0.20 against 0.49 untrained and 0.36 for the mean image
    assert mae < 0.6 * mae_untrained, (mae, mae_untrained)
    assert mae < 0.7 * mae_mean_image, (mae, mae_mean_image)

    stage2 = train(config(tmp_path, "r", [*LEARN, "train.max_steps=600"]), tmp_path / "r",
                   resume=True, show_progress=False).method
    stage2.inference_mode()
    for name, tensor in stage2.nets["VAE"].state_dict().items():
        assert torch.equal(tensor, vae1[name]), f"VAE.{name} changed in stage 2"
    with torch.no_grad():
        vae = stage2.nets["VAE"]
        z_a, z_b = vae.encode(test_a), vae.encode(test_b)
        translated_codes, translated = stage2.nets["G_A"](z_a), stage2.translate(test_a)

    def mean_code(z):
        return z.mean((0, 2, 3))

    gap_before = (mean_code(z_a) - mean_code(z_b)).abs().mean().item()
    gap_after = (mean_code(translated_codes) - mean_code(z_b)).abs().mean().item()
    assert gap_after < 0.6 * gap_before, (gap_after, gap_before)

    def colour_error(images):
        return (images.mean((0, 2, 3)) - truth.mean((0, 2, 3))).abs().mean().item()

    before, after = colour_error(reconstruct(stage2)), colour_error(translated)
    assert after < 0.7 * before, (after, before)


def losses_by_step(run: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    return {r["step"]: {k: v for k, v in r.items() if k != "time"} for r in rows}


def assert_same_run(a, b, run_a: Path, run_b: Path) -> None:
    for key, net in a.method.nets.items():
        other = b.method.nets[key].state_dict()
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, other[name]), f"{key}.{name} differs after resume"
    saved_a = ckpt.load_checkpoint(ckpt.latest_checkpoint(run_a))["optimizers"]
    saved_b = ckpt.load_checkpoint(ckpt.latest_checkpoint(run_b))["optimizers"]
    assert set(saved_a) == {"VAE", "G", "D"}  # all three, whichever stage saved them
    for key, state in saved_a.items():
        for index, moments in state["state"].items():
            for name, value in moments.items():
                assert torch.equal(value, saved_b[key]["state"][index][name]), (key, name)
    assert losses_by_step(run_a) == losses_by_step(run_b)


@pytest.mark.parametrize("stop", [2, 5], ids=["inside_stage_1", "inside_stage_2"])
def test_a_stop_in_either_stage_resumes_exactly(tmp_path, stop):
    straight = train(config(tmp_path, "straight", [*TINY, "train.max_steps=7"]),
                     tmp_path / "straight", show_progress=False)
    train(config(tmp_path, "split", [*TINY, f"train.max_steps={stop}"]), tmp_path / "split",
          show_progress=False)
    resumed = train(config(tmp_path, "split", [*TINY, "train.max_steps=7"]),
                    tmp_path / "split", resume=True, show_progress=False)
    assert resumed.counters.global_step == 7
    assert_same_run(straight, resumed, tmp_path / "straight", tmp_path / "split")
    rows = losses_by_step(tmp_path / "split")
    assert "vae_recon" in rows[3] and "G_A" not in rows[3]  # step 3 is the VAE's last
    assert "G_A" in rows[4] and "vae_recon" not in rows[4]  # then the latent CycleGAN
    assert rows[1]["lr"] > rows[7]["lr"]  # the schedule decayed across the resume

    boundary = train(config(tmp_path, "boundary", [*TINY, "train.max_steps=3"]),
                     tmp_path / "boundary", show_progress=False)
    for name, tensor in boundary.method.nets["VAE"].state_dict().items():
        assert torch.equal(tensor, resumed.method.nets["VAE"].state_dict()[name]), \
            f"VAE.{name} changed in stage 2"

    method, _, _ = load_for_inference(tmp_path / "split", None, torch.device("cpu"))
    x = toy_images("testA")[:2]
    with torch.no_grad():
        ab, ba = method.translate(x, "AtoB"), method.translate(x, "BtoA")
    assert ab.shape == ba.shape == x.shape and ab.abs().max() <= 1
    assert not torch.equal(ab, ba)


def test_latent_discriminators_take_pacgan_packs(tmp_path):
    ctx = train(config(tmp_path, "pack", [*TINY, "train.max_steps=5", "discriminator.pack=2"]),
                tmp_path / "pack", show_progress=False)  # into stage 2
    for key in ("D_A", "D_B"):
        assert ctx.method.nets[key].model[0].in_channels == 4 * 2  # latent_nc x pack
    assert "D_A" in losses_by_step(tmp_path / "pack")[5]


@pytest.mark.parametrize(("sets", "message"), [
    (["options.vae_downsampling=3", "data.crop_size=36", "data.load_size=40"],
     r"cyclegan_vae's VAE \(options.vae_downsampling=3\): image sides must be multiples of "
     r"8 px and at least 16 \(e.g. 32 or 40\); data.crop_size is 36"),
    (["options.vae_steps=0"], r"'options.vae_steps' is 0; it must be >= 1"),
    (["options.vae_steps=2.5"], r"'options.vae_steps' is 2.5; it must be a whole number"),
    (["options.kl_weight=-1"], r"'options.kl_weight' is -1; it must be >= 0"),
    (["options.vae_norm=group"],
     r"'options.vae_norm' is 'group'; choose one of: instance, batch, layer, none"),
    (["options.vae_size=3"], r"unknown setting 'options.vae_size' for cyclegan_vae"),
    (["loss.lambda_recon=0"], r"stage 1 trains the VAE on loss.lambda_recon"),
    (["loss.gan_weight=0", "loss.lambda_A=0", "loss.lambda_B=0"], r"stage 2 has no loss"),
    (["loss.terms.tv.weight=1"], r"takes no loss.terms .* remove loss.terms.tv"),
    (["discriminator.name=patchgan", "options.vae_downsampling=3"],
     r"discriminator 'patchgan' cannot judge the 4x4 latent maps of 32 px images"),
    (["data.output_nc=1"], r"data.input_nc \(3\) and data.output_nc \(1\) must be equal"),
])
def test_bad_stage_settings_are_one_line_errors(sets, message):
    with pytest.raises(ConfigError, match=message) as err:
        CycleGANVAE(config(Path("."), "bad", [*TINY, *sets]), torch.device("cpu"))
    assert "\n" not in str(err.value)


def test_a_stage_one_longer_than_the_run_is_refused_before_anything_is_written(tmp_path):
    cfg = config(tmp_path, "long", [*TINY, "options.vae_steps=8"])  # 4 x 2 = 8 steps
    with pytest.raises(ConfigError, match=r"options.vae_steps is 8 but the run has 8 steps \(4 "
                                          r"epochs "
                                          r"of 2\), so stage 2 .* would never train"):
        train(cfg, tmp_path / "long", show_progress=False)
    assert not (tmp_path / "long").exists()
