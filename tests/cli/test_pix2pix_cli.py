"""`i2i train pix2pix` bad input: one line, non-zero exit, no traceback, nothing written."""

from __future__ import annotations

import pytest
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app

runner = CliRunner()


def invoke(tmp_path, *args: str):
    result = runner.invoke(app, ["train", *args, "--size", "32", "--workers", "0", "-q",
                                 "--out-dir", str(tmp_path / "runs"), "--max-steps", "1"])
    code = result.exit_code
    return code, result.output


def assert_one_line_error(code: int, output: str, expected_code: int, text: str) -> None:
    assert code == expected_code, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and text in errors[0], output
    assert "Traceback" not in output


def test_aligned_image_not_twice_as_wide(tmp_path):
    (tmp_path / "data" / "train").mkdir(parents=True)
    Image.new("RGB", (64, 64)).save(tmp_path / "data" / "train" / "square.png")
    code, out = invoke(tmp_path, "pix2pix", "--data", str(tmp_path / "data"),
                       "--set", "generator.params.num_downs=5")
    assert_one_line_error(code, out, 3, "square.png is 64x64")
    assert not (tmp_path / "runs").exists()


def test_missing_partner_file(tmp_path):
    for name in ("trainA", "trainB"):
        (tmp_path / "data" / name).mkdir(parents=True)
        Image.new("RGB", (32, 32)).save(tmp_path / "data" / name / "0.png")
    Image.new("RGB", (32, 32)).save(tmp_path / "data" / "trainA" / "lonely.png")
    code, out = invoke(tmp_path, "pix2pix", "--data", str(tmp_path / "data"),
                       "--set", "generator.params.num_downs=5")
    assert_one_line_error(code, out, 3, "lonely.png has no partner")


@pytest.mark.parametrize("args, text", [
    (("pix2pix", "--set", "loss.recon=l3"), "unknown recon loss 'l3'; choose one of: l1"),
    (("cyclegan", "--data", "builtin:toy", "--set", "loss.cycle=l3"),
     "unknown recon loss 'l3'; choose one of"),
    (("cyclegan", "--data", "builtin:toy", "--set", "generator.params.upsample=cubic"),
     "unknown upsampling 'cubic'; choose one of: transpose, nearest, bilinear"),
    (("pix2pix", "--set", "discriminator.params.receptive_field=99"),
     "receptive_field is 99; choose one of: 1, 16, 34, 70, 142, 286, image"),
    (("pix2pix", "--set", "data.direction=AtoC"), "choose one of: AtoB, BtoA"),
])
def test_unknown_variant_value(tmp_path, args, text):
    if "--data" not in args:
        args = (*args, "--data", "builtin:toy_paired")
    code, out = invoke(tmp_path, *args)
    assert_one_line_error(code, out, 2, text)
    assert not (tmp_path / "runs").exists()


def test_unrealisable_receptive_field(tmp_path):
    code, out = invoke(tmp_path, "pix2pix", "--data", "builtin:toy_paired",
                       "--set", "discriminator.params.receptive_field=286")
    assert_one_line_error(code, out, 2, "receptive field 286) needs images of at least")
    assert not (tmp_path / "runs").exists()
