"""``i2i evaluate`` on good and bad input: exit codes and the one-line messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app
from tests.metrics.conftest import make_images

SHARED_WEIGHTS = Path(__file__).resolve().parents[2].parent / "shared" / "weights"


def images(folder: Path, n: int, size=(32, 32), seed: int = 0, ext=".png") -> Path:
    make_images(folder, n, size, seed, ext)
    return folder


def run(*args: str):
    result = CliRunner().invoke(app, ["evaluate", *args])
    return result.exit_code, result.output


def test_fid_kid_table_json_csv_and_plot_are_written(tmp_path, tiny_inception):
    real, fake = images(tmp_path / "real", 6), images(tmp_path / "fake", 5, seed=1)
    code, output = run("-m", "fid,kid", "--real", str(real), "--fake", str(fake),
                       "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv"),
                       "--plot", str(tmp_path / "r.png"), "--kid-subsets", "3")
    assert code == 0, output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert set(doc["rows"][0]) >= {"fid", "kid", "kid_std", "n_real", "n_fake"}
    assert (tmp_path / "r.csv").read_text().splitlines()[0].startswith("name,n_real,n_fake,fid")
    assert Image.open(tmp_path / "r.png").size[0] > 100
    assert "KID subset size lowered from 1000 to 5" in output


def test_json_to_stdout_is_parseable(tmp_path, tiny_inception):
    real, fake = images(tmp_path / "r", 4), images(tmp_path / "f", 4, seed=2)
    result = CliRunner().invoke(
        app, ["evaluate", "-m", "fid", "--real", str(real), "--fake", str(fake), "--json", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"][0]["n_fake"] == 4


def test_empty_folder_is_a_data_error(tmp_path, tiny_inception):
    (tmp_path / "empty").mkdir()
    code, output = run("--real", str(images(tmp_path / "r", 3)), "--fake", str(tmp_path / "empty"))
    assert code == 3
    assert "no images in --fake folder" in output


def test_missing_folder_is_a_data_error(tmp_path, tiny_inception):
    code, output = run("--real", str(tmp_path / "nope"), "--fake", str(tmp_path / "nope"))
    assert code == 3 and "does not exist" in output


def test_unknown_metric_lists_the_valid_names(tmp_path, tiny_inception):
    real = images(tmp_path / "r", 3)
    code, output = run("-m", "fid,fud", "--real", str(real), "--fake", str(real))
    assert code == 2
    assert "unknown metric 'fud'" in output and "kid" in output and "ssim" in output


def test_paired_metric_with_unmatched_names_lists_them(tmp_path):
    real = images(tmp_path / "r", 3)
    fake = images(tmp_path / "f", 2)
    (fake / "001.png").rename(fake / "extra.png")
    code, output = run("-m", "psnr", "--real", str(real), "--fake", str(fake))
    assert code == 3
    assert "only in --real: 001, 002; only in --fake: extra" in output


def test_paired_metrics_score_name_matched_pairs(tmp_path):
    real = images(tmp_path / "r", 3, ext=".jpg")
    fake = tmp_path / "f"
    fake.mkdir()
    for p in real.iterdir():  # same pictures, other format and size
        Image.open(p).resize((40, 40)).save(fake / (p.stem + ".png"))
    code, output = run("-m", "psnr,ssim", "--real", str(real), "--fake", str(fake),
                       "--json", str(tmp_path / "o.json"))
    assert code == 0, output
    row = json.loads((tmp_path / "o.json").read_text())["rows"][0]
    assert 0 < row["ssim"] < 1 and row["psnr"] > 5
    assert "3 fake images differ in size" in output


def test_corrupt_files_are_listed_skipped_and_counted(tmp_path, tiny_inception):
    real, fake = images(tmp_path / "r", 5), images(tmp_path / "f", 5, seed=3)
    (fake / "003.png").write_bytes(b"not a png")
    code, output = run("-m", "fid", "--real", str(real), "--fake", str(fake),
                       "--json", str(tmp_path / "o.json"))
    assert code == 8
    assert "003.png" in output and "1 unreadable image(s) skipped" in output
    doc = json.loads((tmp_path / "o.json").read_text())
    assert doc["skipped"][0]["file"].endswith("003.png")
    assert doc["rows"][0]["fid"] > 0


def test_weights_with_a_wrong_checksum_are_refused(tmp_path, monkeypatch):
    wdir = tmp_path / "weights"
    wdir.mkdir()
    (wdir / "inception-2015-12-05-fid.pt").write_bytes(b"tampered")
    real = images(tmp_path / "r", 3)
    code, output = run("-m", "fid", "--real", str(real), "--fake", str(real),
                       "--weights-dir", str(wdir))
    assert code == 5
    assert "fails its sha256 check" in output and "i2i download --weights" in output


def test_offline_without_weights_names_the_file_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_OFFLINE", "1")
    monkeypatch.delenv("I2I_WEIGHTS_DIR", raising=False)
    real = images(tmp_path / "r", 3)
    code, output = run("-m", "fid", "--real", str(real), "--fake", str(real),
                       "--weights-dir", str(tmp_path))
    assert code == 5
    assert "pt_inception-2015-12-05-6726825d.pth" in output and "not available offline" in output


def test_inception_score_without_the_class_head_says_so(tmp_path):
    if not (SHARED_WEIGHTS / "inception-2015-12-05-fid.pt").is_file():
        pytest.skip("../shared/weights is absent")
    real = images(tmp_path / "r", 3)
    code, output = run("-m", "is", "--real", str(real), "--fake", str(real),
                       "--weights-dir", str(SHARED_WEIGHTS))
    assert code == 5
    assert "needs the 1008-class head" in output


class TinyHeadedNet(torch.nn.Module):
    """A stand-in with a 1008-class head, for the Inception Score path."""

    has_head = True

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(192, 1008)
        torch.nn.init.normal_(self.fc.weight, std=5.0, generator=torch.Generator().manual_seed(0))

    def forward(self, x):
        pool = torch.flatten(F.adaptive_avg_pool2d(x, 8), 1)
        return pool, self.fc(pool)


def test_inception_score_runs_with_a_headed_network(tmp_path, monkeypatch):
    import i2i.metrics.networks as networks

    net_file = tmp_path / "headed.bin"
    net_file.write_bytes(b"h")
    monkeypatch.setattr(networks, "load_inception",
                        lambda weights_dir, device, need_head=False: (TinyHeadedNet(), net_file))
    real, fake = images(tmp_path / "r", 4), images(tmp_path / "f", 12, seed=5)
    code, output = run("-m", "is,fid", "--real", str(real), "--fake", str(fake),
                       "--json", str(tmp_path / "o.json"))
    assert code == 0, output
    row = json.loads((tmp_path / "o.json").read_text())["rows"][0]
    assert row["is"] >= 1.0 and "fid" in row


def test_run_folders_and_real_fake_folders_are_not_mixed(tmp_path):
    real = images(tmp_path / "r", 2)
    code, output = run(str(tmp_path), "--real", str(real), "--fake", str(real))
    assert code == 2 and "not both" in output
    code, output = run("--real", str(real), "--fake", str(real), "--all-checkpoints")
    assert code == 2 and "run folders only" in output
