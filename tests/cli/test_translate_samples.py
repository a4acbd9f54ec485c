"""``i2i translate --samples K [--seed S]`` and ``--reference IMG`` on a multimodal run
(BicycleGAN), and one-line refusals of both on a method without latent codes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app

# Tiny nets; 30 steps at lr 2e-3 make the code matter in the 8-bit outputs. Measured: two
# samples of one input differ by 1.8-30 levels on average (seed 0 against seed 8: 1.5-17);
# at 2 steps by as little as 0.02, the z weights still near their init. We ask for 0.5.
TINY = ["generator.params.ngf=4", "discriminator.params.ndf=4",
        "discriminator.params.n_layers=1", "encoder.params.nef=4", "encoder.params.n_blocks=3",
        "train.sample_every=0", "optim.lr=0.002", "train.threads=1"]


@pytest.fixture(scope="module")
def bicycle_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    args = ["train", "bicyclegan", "--data", "builtin:toy_paired", "--size", "32",
            "--max-steps", "30", "--workers", "0", "--quiet", "--name", "bicycle",
            "--out-dir", str(out)]
    for item in TINY:
        args += ["--set", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out / "bicycle"


def inputs(folder, n=3):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        arr = np.random.default_rng(i).integers(0, 255, (32, 32, 3), np.uint8)
        Image.fromarray(arr).save(folder / f"img{i}.png")
    return folder


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path), dtype=int)


def test_k_samples_per_input_named_by_k_and_different_from_each_other(bicycle_run, tmp_path,
                                                                      cli):
    src = inputs(tmp_path / "in")
    result = cli("translate", str(bicycle_run), str(src), "--out", str(tmp_path / "o"),
                 "--samples", "3", "--quiet")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert names == [f"img{i}_{k}.png" for i in range(3) for k in range(3)]
    for i in range(3):
        samples = [pixels(tmp_path / "o" / f"img{i}_{k}.png") for k in range(3)]
        assert all(s.shape == (32, 32, 3) for s in samples)
        for a, b in ((0, 1), (0, 2), (1, 2)):
            assert np.abs(samples[a] - samples[b]).mean() > 0.5, (i, a, b)


def test_the_seed_fixes_the_samples_and_another_seed_changes_them(bicycle_run, tmp_path, cli):
    src = inputs(tmp_path / "in")
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        result = cli("translate", str(bicycle_run), str(src), "--out", str(tmp_path / name),
                     "--samples", "2", "--seed", seed, "--quiet")
        assert result.exit_code == 0, result.output
    for i in range(3):
        for k in range(2):
            name = f"img{i}_{k}.png"
            assert np.array_equal(pixels(tmp_path / "a" / name), pixels(tmp_path / "b" / name))
            assert np.abs(pixels(tmp_path / "a" / name) - pixels(tmp_path / "c" / name)).mean() \
                > 0.5


def test_an_inputs_samples_depend_on_its_name_and_seed_only(bicycle_run, tmp_path, cli):
    """Not on the batch size, the other inputs, or a rerun that skips finished outputs."""
    src = inputs(tmp_path / "in")
    assert cli("translate", str(bicycle_run), str(src), "--out", str(tmp_path / "all"),
               "--samples", "2", "--batch-size", "3", "--quiet").exit_code == 0
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(src / "img2.png", alone / "img2.png")
    assert cli("translate", str(bicycle_run), str(alone), "--out", str(tmp_path / "one"),
               "--samples", "2", "--quiet").exit_code == 0
    for k in range(2):
        assert np.abs(pixels(tmp_path / "all" / f"img2_{k}.png")
                      - pixels(tmp_path / "one" / f"img2_{k}.png")).max() <= 1
    # a rerun redoes an input with a missing sample, the same way, and skips the others
    (tmp_path / "all" / "img1_1.png").unlink()
    kept = (tmp_path / "all" / "img0_0.png").stat().st_mtime_ns
    result = cli("translate", str(bicycle_run), str(src), "--out", str(tmp_path / "all"),
                 "--samples", "2", "--batch-size", "3")
    assert result.exit_code == 0, result.output
    assert "skipping 2 image(s) already translated" in result.output
    assert (tmp_path / "all" / "img0_0.png").stat().st_mtime_ns == kept
    assert (tmp_path / "all" / "img1_1.png").is_file()


def test_a_reference_image_gives_one_output_per_input_with_its_code(bicycle_run, tmp_path,
                                                                    cli):
    src = inputs(tmp_path / "in")
    refs = tmp_path / "refs"
    refs.mkdir()
    Image.new("RGB", (48, 40), (230, 60, 50)).save(refs / "red.png")
    Image.new("RGB", (32, 32), (20, 20, 40)).save(refs / "dark.jpg")
    for name in ("red.png", "dark.jpg"):
        result = cli("translate", str(bicycle_run), str(src), "--out", str(tmp_path / name),
                     "--reference", str(refs / name), "--quiet")
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == \
            ["img0.png", "img1.png", "img2.png"]
    assert np.abs(pixels(tmp_path / "red.png" / "img0.png")
                  - pixels(tmp_path / "dark.jpg" / "img0.png")).mean() > 0.1


def test_bad_inputs_are_listed_and_every_sample_of_the_rest_written(bicycle_run, tmp_path, cli):
    src = inputs(tmp_path / "in", 2)
    (src / "broken.png").write_bytes(b"not an image")
    result = cli("translate", str(bicycle_run), str(src), "--out", str(tmp_path / "o"),
                 "--samples", "2", "--quiet")
    assert result.exit_code == 8
    assert "broken.png" in result.output and "1 of 3 image(s) failed" in result.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == \
        ["img0_0.png", "img0_1.png", "img1_0.png", "img1_1.png"]


@pytest.mark.parametrize(("args", "message"), [
    (["--samples", "0"], "--samples is 0; give a count from 1 to 1000"),
    (["--seed", "3"], "--seed picks the random codes of --samples; give --samples K too"),
    (["--samples", "2", "--reference", "x.png"], "give one of them"),
])
def test_bad_latent_options_are_one_line_before_anything_loads(tmp_path, cli, args, message):
    inputs(tmp_path / "in", 1)
    result = cli("translate", str(tmp_path / "no_run"), str(tmp_path / "in"), "--out",
                 str(tmp_path / "o"), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_an_unreadable_reference_is_one_line(bicycle_run, tmp_path, cli):
    inputs(tmp_path / "in", 1)
    (tmp_path / "ref.png").write_text("hello")
    result = cli("translate", str(bicycle_run), str(tmp_path / "in"), "--out",
                 str(tmp_path / "o"), "--reference", str(tmp_path / "ref.png"))
    assert result.exit_code == 3
    assert "ref.png" in result.output and not (tmp_path / "o").exists()


@pytest.mark.parametrize("args", [["--samples", "3"], ["--reference", "REF"]])
def test_a_method_without_latent_codes_refuses_in_one_line(tiny_run, tmp_path, cli, args):
    inputs(tmp_path / "in", 1)
    args = [str(tmp_path / "in" / "img0.png") if a == "REF" else a for a in args]
    result = cli("translate", str(tiny_run), str(tmp_path / "in"), "--out",
                 str(tmp_path / "o"), *args)
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert "needs a multimodal method (one with a latent code" in error[0]
    assert "cyclegan makes one output per input" in error[0]
    assert not (tmp_path / "o").exists()


def test_an_output_never_replaces_the_reference_image(bicycle_run, tmp_path, cli):
    # the reference sits where an input's output would go: refs/img0.png
    refs = inputs(tmp_path / "refs", 1)
    before = (refs / "img0.png").read_bytes()
    src = inputs(tmp_path / "in", 2)
    result = cli("translate", str(bicycle_run), str(src), "--out", str(refs),
                 "--reference", str(refs / "img0.png"), "--redo", "--quiet")
    assert result.exit_code == 8, result.output
    assert "refusing to overwrite input file" in result.output
    assert (refs / "img0.png").read_bytes() == before
    assert (refs / "img1.png").is_file()  # the other input was translated
