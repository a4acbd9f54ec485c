from __future__ import annotations

import shutil

import numpy as np
from PIL import Image


def make_inputs(folder, shared_data=None):
    (folder / "sub").mkdir(parents=True)
    Image.new("RGB", (37, 29), (200, 30, 30)).save(folder / "odd.png")
    Image.new("L", (32, 32), 128).save(folder / "sub" / "gray.png")
    Image.new("RGBA", (40, 24), (0, 0, 255, 128)).save(folder / "sub" / "alpha.png")
    Image.new("P", (16, 16)).save(folder / "palette.bmp")


def test_folder_is_translated_keeping_relative_paths_stems_and_sizes(tiny_run, tmp_path, cli):
    make_inputs(tmp_path / "in")
    result = cli("translate", str(tiny_run), str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                 "--batch-size", "2", "--quiet")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert Image.open(out / "odd.png").size == (37, 29)
    assert Image.open(out / "sub" / "alpha.png").size == (40, 24)
    assert (out / "sub" / "gray.png").is_file() and (out / "palette.bmp").is_file()


def test_resize_fit_returns_the_input_size(tiny_run, tmp_path, cli):
    make_inputs(tmp_path / "in")
    result = cli("translate", str(tiny_run), str(tmp_path / "in" / "odd.png"), "--out",
                 str(tmp_path / "o"), "--fit", "resize", "--ext", "jpg", "--quiet")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "o" / "odd.jpg").size == (37, 29)


def test_batches_give_the_same_pixels_as_single_images(tiny_run, tmp_path, cli):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (32, 32, 3), np.uint8)).save(
            src / f"{i}.png")
    for bs in ("1", "3"):
        assert cli("translate", str(tiny_run), str(src), "--out", str(tmp_path / bs),
                   "--batch-size", bs, "--quiet").exit_code == 0
    for i in range(3):
        a = np.asarray(Image.open(tmp_path / "1" / f"{i}.png"), dtype=int)
        b = np.asarray(Image.open(tmp_path / "3" / f"{i}.png"), dtype=int)
        assert np.abs(a - b).max() <= 1


def test_unreadable_images_are_listed_and_the_rest_translated(tiny_run, tmp_path, cli,
                                                              shared_data):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(shared_data / "photos" / "apple.jpg", src / "apple.jpg")
    data = (shared_data / "photos" / "orange.jpg").read_bytes()
    (src / "truncated.jpg").write_bytes(data[:200])
    (src / "fake.png").write_text("hello")
    result = cli("translate", str(tiny_run), str(src), "--out", str(tmp_path / "out"), "--quiet")
    assert result.exit_code == 8
    assert "truncated.jpg" in result.output and "fake.png" in result.output
    assert "2 of 3 image(s) failed" in result.output
    assert (tmp_path / "out" / "apple.jpg").is_file()


def test_output_inside_the_input_folder_is_refused(tiny_run, tmp_path, cli):
    make_inputs(tmp_path / "in")
    result = cli("translate", str(tiny_run), str(tmp_path / "in"), "--out",
                 str(tmp_path / "in" / "out"))
    assert result.exit_code == 3 and "inside the input folder" in result.output


def test_glob_inputs_and_builtin_test_images(tiny_run, tmp_path, cli):
    make_inputs(tmp_path / "in")
    result = cli("translate", str(tiny_run), str(tmp_path / "in" / "**" / "*.png"), "--out",
                 str(tmp_path / "g"), "--quiet")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g" / "sub" / "gray.png").is_file()
    result = cli("translate", str(tiny_run), "builtin:toy/testA", "--out", str(tmp_path / "t"),
                 "--direction", "BtoA", "--quiet")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "t").glob("*.png"))) == 20


def test_bad_run_checkpoint_and_direction(tiny_run, tmp_path, cli):
    make_inputs(tmp_path / "in")
    img = str(tmp_path / "in" / "odd.png")
    cases = [
        ((str(tmp_path / "nope"), img), 4, "run not found"),
        ((str(tiny_run), img, "--checkpoint", "epoch_9999"), 4, "no checkpoint 'epoch_9999'"),
        ((str(tiny_run), img, "--direction", "sideways"), 2, "is not one of: AtoB, BtoA"),
        ((str(tiny_run), img, "--fit", "stretch"), 2, "choose one of: pad, resize"),
        ((str(tiny_run), str(tmp_path / "missing.png")), 3, "input not found"),
    ]
    for args, code, message in cases:
        result = cli("translate", *args, "--out", str(tmp_path / "o"))
        assert result.exit_code == code, (args, result.output)
        assert message in result.output


def test_checkpoint_from_another_architecture_is_refused(tiny_run, tmp_path, cli):
    import torch

    from i2i.training.checkpoint import latest_checkpoint

    payload = torch.load(latest_checkpoint(tiny_run), weights_only=True)
    payload["config"]["generator"]["params"]["n_blocks"] = 3
    torch.save(payload, tmp_path / "mismatch.pt")
    make_inputs(tmp_path / "in")
    result = cli("translate", str(tmp_path / "mismatch.pt"), str(tmp_path / "in"), "--out",
                 str(tmp_path / "o"))
    assert result.exit_code == 4
    assert "does not fit the configured architecture" in result.output
    payload["method"] = "pix2pax"
    torch.save(payload, tmp_path / "other.pt")
    result = cli("translate", str(tmp_path / "other.pt"), str(tmp_path / "in"), "--out",
                 str(tmp_path / "o"))
    assert result.exit_code == 2 and "unknown method 'pix2pax'" in result.output


def test_batch_script_translates_every_folder_and_reports_bad_ones(tiny_run, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "examples" / "batch_translate.sh"
    for name in ("a", "b"):
        make_inputs(tmp_path / "in" / name)
    (tmp_path / "in" / "b" / "broken.png").write_text("not an image")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(["bash", str(script), str(tiny_run), str(tmp_path / "in"),
                           str(tmp_path / "out")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 8, proc.stdout + proc.stderr
    assert "ok       a" in proc.stdout and "partial  b" in proc.stdout
    assert (tmp_path / "out" / "a" / "odd.png").is_file()
    assert (tmp_path / "out" / "b" / "odd.png").is_file()


def test_eval_flag_switches_pix2pix_from_its_test_mode_to_eval_mode(tmp_path, cli):
    import torch

    from i2i.runs import load_for_inference

    result = cli("train", "pix2pix", "--data", "builtin:toy_paired", "--size", "32",
                 "--max-steps", "1", "--workers", "0", "--quiet", "--name", "p",
                 "--out-dir", str(tmp_path), "--set", "train.sample_every=0")
    assert result.exit_code == 0, result.output
    cpu = torch.device("cpu")
    default, _, _ = load_for_inference(tmp_path / "p", None, cpu)
    forced, _, _ = load_for_inference(tmp_path / "p", None, cpu, eval_mode=True)
    assert default.nets["G"].training and not forced.nets["G"].training
    make_inputs(tmp_path / "in")
    result = cli("translate", str(tmp_path / "p"), str(tmp_path / "in" / "odd.png"), "--out",
                 str(tmp_path / "o"), "--eval", "--quiet")
    assert result.exit_code == 0, result.output


def test_reading_stays_a_bounded_distance_ahead_of_translation(monkeypatch, tmp_path):
    from i2i.inference import files as inference

    started = []

    def fake_load(job, channels):
        started.append(job)
        return job, None, "x"

    monkeypatch.setattr(inference, "_load", fake_load)
    jobs = [inference.Job(tmp_path / f"{i}.png", tmp_path / "o" / f"{i}.png") for i in range(50)]
    reader = inference._read_in_order(jobs, 3, workers=1)
    first = next(reader)
    assert first[0] is jobs[0]
    assert len(started) <= inference.READ_AHEAD + 1  # not all 50 decoded up front
    assert [job for job, *_ in reader] == jobs[1:]  # and the order is kept
