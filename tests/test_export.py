"""`i2i export`: each format, read back by its own runtime, reproduces the generator that
`i2i translate` uses for the direction, fixed or dynamic in size; bad input is one line,
a non-zero exit, and nothing written.

The expected outputs are computed here from the run's checkpoint with plain torch (the
direction's generator), independently of the export's own verification.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from i2i.cli.main import app
from i2i.errors import ConfigError
from i2i.runs import load_for_inference, resolve_train_config
from i2i.training.loop import train

SMALL = ["data.batch_size=2", "data.num_workers=0", "discriminator.params.ndf=4",
         "discriminator.params.n_layers=1", "train.sample_every=0", "train.threads=1"]
NETS = ["generator.params.ngf=4", "generator.params.n_blocks=1"]
TOLERANCE = 1e-4  # the one docs/commands/export.md and `i2i export --help` state
runner = CliRunner()


def train_tiny(out: Path, method: str, name: str, *sets: str) -> Path:
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "train": {"max_steps": 1}, "name": name, "out_dir": str(out)}
    train(resolve_train_config(method, None, None, layer, [*SMALL, *sets]), out / name,
          show_progress=False)
    return out / name


def export(*args: str):
    result = runner.invoke(app, ["export", *map(str, args)])
    return result.exit_code, result.output


def assert_one_line_error(code: int, output: str, expected_code: int, text: str) -> None:
    assert code == expected_code, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and text in errors[0], output
    assert "Traceback" not in output


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def generator_output(run: Path, key: str, x: torch.Tensor) -> torch.Tensor:
    method, _, _ = load_for_inference(run, None, torch.device("cpu"))
    with torch.no_grad():
        return method.nets[key](x)


def noise(*shape: int, seed: int = 7) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.fixture(scope="module")
def run(tmp_path_factory, one_torch_thread) -> Path:
    """A CycleGAN run trained for one step on builtin:toy at 32 px (read-only)."""
    return train_tiny(tmp_path_factory.mktemp("runs"), "cyclegan", "tiny", *NETS)


def run_onnx(path: Path, x: torch.Tensor) -> torch.Tensor:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return torch.from_numpy(session.run(None, {"input": x.numpy()})[0])


def run_torchscript(path: Path, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.jit.load(str(path))(x)


def run_safetensors(path: Path, x: torch.Tensor) -> torch.Tensor:
    from i2i.export.formats import load_safetensors

    net, meta = load_safetensors(path)
    assert meta["direction"] == "BtoA" and meta["method"] == "cyclegan"
    with torch.no_grad():
        return net(x)


RUNNERS = {"onnx": ("onnxruntime", run_onnx), "torchscript": ("torch", run_torchscript),
           "safetensors": ("safetensors", run_safetensors)}


# ------------------------------------------------------------------ each format, read back
@pytest.mark.parametrize("fmt", list(RUNNERS))
def test_export_dynamic_matches_the_direction_generator_at_a_new_size(run, tmp_path, fmt):
    package, run_file = RUNNERS[fmt]
    pytest.importorskip(package, reason=f"--format {fmt} needs the i2i[{fmt}] extra")
    out = tmp_path / f"g.{fmt}"
    code, output = export(run, "--format", fmt, "--direction", "BtoA", "--dynamic",
                          "--out", out)
    assert code == 0, output
    assert "max |difference| to PyTorch" in output
    x = noise(3, 3, 48, 40)  # neither the export size (32) nor the verified second size
    got = run_file(out, x)
    assert (got - generator_output(run, "G_B", x)).abs().max() <= TOLERANCE
    assert (got - generator_output(run, "G_A", x)).abs().mean() > 1e-3  # not the other way
    assert leftovers(tmp_path) == [out.name]  # no temp file left beside it


def test_fixed_onnx_has_the_size_of_the_export(run, tmp_path):
    pytest.importorskip("onnxruntime", reason="--format onnx needs the i2i[onnx] extra")
    import onnxruntime

    for size, name in ((None, "default.onnx"), (48, "48.onnx")):
        extra = ["--size", str(size)] if size else []
        code, output = export(run, "--format", "onnx", "--out", tmp_path / name, *extra)
        assert code == 0, output
        session = onnxruntime.InferenceSession(str(tmp_path / name),
                                               providers=["CPUExecutionProvider"])
        assert session.get_inputs()[0].shape == [1, 3, size or 32, size or 32]
    x = noise(1, 3, 48, 48)
    got = run_onnx(tmp_path / "48.onnx", x)
    assert (got - generator_output(run, "G_A", x)).abs().max() <= TOLERANCE


def test_safetensors_file_describes_itself(run, tmp_path):
    pytest.importorskip("safetensors", reason="--format safetensors needs i2i[safetensors]")
    import json

    from safetensors import safe_open

    out = tmp_path / "g.safetensors"
    code, output = export(run, "--format", "safetensors", "--out", out)
    assert code == 0, output
    with safe_open(str(out), framework="pt") as fh:
        meta = fh.metadata()
        keys = set(fh.keys())
    method, cfg, _ = load_for_inference(run, None, torch.device("cpu"))
    assert json.loads(meta["generator"]) == cfg.to_dict()["generator"]
    assert meta["direction"] == "AtoB" and meta["i2i_version"]
    assert keys == set(method.nets["G_A"].state_dict())


# ------------------------------------------------------------------ composed and refused
@pytest.mark.parametrize("name", ["unit", "cyclegan_vae"])
def test_composed_export_net_is_what_translate_computes(tmp_path, name):
    cfg = resolve_train_config(name, None, None,
                               {"data": {"root": "builtin:toy", "crop_size": 32}}, [*NETS])
    from i2i.plugins import lookup

    torch.manual_seed(0)
    method = lookup("methods", name)(cfg, torch.device("cpu"), training=False)
    method.inference_mode()
    x = noise(2, 3, 32, 32)
    with torch.no_grad():
        outputs = {d: method.export_net(d)(x) for d in ("AtoB", "BtoA")}
        for direction, got in outputs.items():
            assert torch.allclose(got, method.translate(x, direction), atol=1e-6), direction
    assert (outputs["AtoB"] - outputs["BtoA"]).abs().mean() > 1e-4


def test_unit_run_exports_its_whole_path(tmp_path, one_torch_thread):
    pytest.importorskip("safetensors", reason="--format safetensors needs i2i[safetensors]")
    unit = train_tiny(tmp_path, "unit", "unit", *NETS, "generator.params.n_blocks=2")
    out = tmp_path / "unit.safetensors"
    code, output = export(unit, "--format", "safetensors", "--direction", "BtoA",
                          "--dynamic", "--out", out)
    assert code == 0, output
    from i2i.export.formats import load_safetensors

    net, _ = load_safetensors(out)
    method, _, _ = load_for_inference(unit, None, torch.device("cpu"))
    x = noise(1, 3, 40, 40)
    with torch.no_grad():
        assert (net(x) - method.translate(x, "BtoA")).abs().max() <= TOLERANCE


@pytest.mark.parametrize("name,why", [("bicyclegan", "latent code"),
                                      ("cogan", "refining z"),
                                      ("latent_transfer", "optimisation")])
def test_methods_that_are_not_one_forward_pass_refuse_export(name, why):
    from i2i.plugins import lookup

    cls = lookup("methods", name)
    with pytest.raises(ConfigError, match=f"{name} cannot be exported.*{why}"):
        cls.export_net(object.__new__(cls), "AtoB")


def test_nets_left_in_training_mode_are_refused_and_eval_exports(run, tmp_path, monkeypatch):
    from i2i.methods.cyclegan import CycleGAN

    # a method whose test mode keeps nets in training mode, as pix2pix's does
    monkeypatch.setattr(CycleGAN, "inference_mode", CycleGAN.train_mode)
    out = tmp_path / "g.pt"
    code, output = export(run, "--format", "torchscript", "--out", out)
    assert_one_line_error(code, output, 2, "add --eval")
    assert not out.exists()
    code, output = export(run, "--format", "torchscript", "--eval", "--out", out)
    assert code == 0, output


# ------------------------------------------------------------------ bad input
def test_unknown_format_lists_the_valid_ones(run, tmp_path):
    code, output = export(run, "--format", "tflite", "--out", tmp_path / "g.tflite")
    assert_one_line_error(code, output, 2, "onnx, torchscript, safetensors")
    assert leftovers(tmp_path) == []


def test_direction_the_run_lacks_is_refused(run, tmp_path):
    code, output = export(run, "--format", "torchscript", "--direction", "AtoC",
                          "--out", tmp_path / "g.pt")
    assert_one_line_error(code, output, 2, "AtoB, BtoA")
    assert leftovers(tmp_path) == []


def test_size_the_generator_cannot_take_is_refused(run, tmp_path):
    code, output = export(run, "--format", "torchscript", "--size", "30",
                          "--out", tmp_path / "g.pt")
    assert_one_line_error(code, output, 2, "multiples of 4")


def test_out_in_a_missing_folder_is_refused(run, tmp_path):
    code, output = export(run, "--format", "torchscript", "--out", tmp_path / "no" / "g.pt")
    assert_one_line_error(code, output, 1, "does not exist")
    assert leftovers(tmp_path) == []


def test_existing_out_is_kept_unless_overwrite(run, tmp_path):
    out = tmp_path / "g.pt"
    out.write_bytes(b"mine")
    code, output = export(run, "--format", "torchscript", "--out", out)
    assert_one_line_error(code, output, 1, "--overwrite")
    assert out.read_bytes() == b"mine"
    code, output = export(run, "--format", "torchscript", "--out", out, "--overwrite")
    assert code == 0, output
    assert out.read_bytes() != b"mine" and leftovers(tmp_path) == ["g.pt"]


def test_the_checkpoint_itself_is_never_the_out(run, tmp_path):
    ckpt = sorted((run / "checkpoints").glob("step_*.pt"))[-1]
    before = ckpt.read_bytes()
    code, output = export(ckpt, "--format", "torchscript", "--out", ckpt, "--overwrite")
    assert_one_line_error(code, output, 1, "is an input")
    assert ckpt.read_bytes() == before


def test_a_model_beyond_the_tolerance_is_not_written(run, tmp_path):
    pytest.importorskip("onnxruntime", reason="--format onnx needs the i2i[onnx] extra")
    out = tmp_path / "g.onnx"
    # onnxruntime sums in another order than torch: ~1e-7 apart, never exactly 0
    code, output = export(run, "--format", "onnx", "--tolerance", "1e-12", "--out", out)
    assert_one_line_error(code, output, 9, "more than the tolerance 1e-12")
    assert leftovers(tmp_path) == []


def test_missing_extra_names_the_pip_command(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)  # import safetensors fails
    code, output = export(run, "--format", "safetensors", "--out", tmp_path / "g.st")
    assert_one_line_error(code, output, 9, 'pip install "i2i[safetensors]"')
    assert leftovers(tmp_path) == []


def test_generator_with_an_op_onnx_lacks_names_the_op(tmp_path, fresh_plugins,
                                                      one_torch_thread):
    pytest.importorskip("onnxruntime", reason="--format onnx needs the i2i[onnx] extra")
    sys.path.insert(0, str(Path(__file__).parent / "plugins"))
    try:
        import untraceable_generator
    finally:
        sys.path.pop(0)
    from i2i.plugins import get_plugin_manager

    get_plugin_manager().register(untraceable_generator, name="untraceable-generator")
    cummax = train_tiny(tmp_path, "cyclegan", "cummax", "generator.name=cummax_net")
    out = tmp_path / "g.onnx"
    code, output = export(cummax, "--format", "onnx", "--out", out)
    assert_one_line_error(code, output, 9, "op aten.cummax")
    assert leftovers(tmp_path) == ["cummax"]
    # the op is ONNX's gap, not the net's: TorchScript records it
    code, output = export(cummax, "--format", "torchscript", "--out", tmp_path / "g.pt")
    assert code == 0, output
