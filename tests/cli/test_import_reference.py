"""`i2i import` of reference-code checkpoints, end to end through the CLI.

The reference state dicts are built here, key by key, in the reference code's names and
order (junyanz/pytorch-CycleGAN-and-pix2pix and taesungp/contrastive-unpaired-translation
``models/networks.py``: ``conv_block`` inside ResNet blocks, CUT's saved blur ``filt``
buffers, nested ``model.model.1.model.3...`` U-Net levels), with random weights. Each
import is then translated with ``i2i translate`` and compared with the same weights
loaded by hand (names renamed here) into i2i's own network, so a wrong name mapping, a
wrong inferred architecture (blocks, depth, norm, sampling, blur filter) or a generator
loaded into the wrong direction shows as different pixels.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from PIL import Image

from i2i.nets.generators.resnet import ResnetGenerator
from i2i.nets.generators.unet import UnetGenerator
from i2i.runs import load_for_inference

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class _Rand:
    def __init__(self, seed: int):
        self.g = torch.Generator().manual_seed(seed)

    def __call__(self, *shape: int, scale: float = 0.2) -> torch.Tensor:
        return torch.randn(*shape, generator=self.g) * scale


def _conv(sd, key, cin, cout, k, bias, rand, transposed=False):
    sd[f"{key}.weight"] = rand(*((cin, cout) if transposed else (cout, cin)), k, k)
    if bias:
        sd[f"{key}.bias"] = rand(cout)


def _norm(sd, key, ch, norm, rand):
    if norm == "batch":
        sd[f"{key}.weight"] = 1 + rand(ch)
        sd[f"{key}.bias"] = rand(ch)
        sd[f"{key}.running_mean"] = rand(ch)
        sd[f"{key}.running_var"] = 0.5 + rand(ch).abs()
        sd[f"{key}.num_batches_tracked"] = torch.tensor(7)


def reference_resnet(input_nc=3, output_nc=3, ngf=4, n_blocks=9, norm="instance",
                     dropout=False, antialias=False, antialias_up=None,
                     seed=0) -> OrderedDict:
    """A state dict as the reference ResnetGenerator saves it (CUT's when antialias;
    ``antialias_up=False`` is CUT's --no_antialias_up)."""
    antialias_up = antialias if antialias_up is None else antialias_up
    rand, sd, bias = _Rand(seed), OrderedDict(), norm == "instance"
    _conv(sd, "model.1", input_nc, ngf, 7, bias, rand)
    _norm(sd, "model.2", ngf, norm, rand)
    i = 4
    for mult in (1, 2):
        _conv(sd, f"model.{i}", ngf * mult, ngf * mult * 2, 3, bias, rand)
        _norm(sd, f"model.{i + 1}", ngf * mult * 2, norm, rand)
        i += 3
        if antialias:  # Downsample: a saved 3x3 binomial buffer
            sd[f"model.{i}.filt"] = torch.full((ngf * mult * 2, 1, 3, 3), 1 / 16)
            i += 1
    width = ngf * 4
    for _ in range(n_blocks):
        second = 6 if dropout else 5
        _conv(sd, f"model.{i}.conv_block.1", width, width, 3, bias, rand)
        _norm(sd, f"model.{i}.conv_block.2", width, norm, rand)
        _conv(sd, f"model.{i}.conv_block.{second}", width, width, 3, bias, rand)
        _norm(sd, f"model.{i}.conv_block.{second + 1}", width, norm, rand)
        i += 1
    for mult in (4, 2):
        if antialias_up:  # Upsample (4x4 [1,3,3,1] buffer), then a 3x3 conv
            sd[f"model.{i}.filt"] = torch.full((ngf * mult, 1, 4, 4), 1 / 16)
            _conv(sd, f"model.{i + 1}", ngf * mult, ngf * mult // 2, 3, bias, rand)
            _norm(sd, f"model.{i + 2}", ngf * mult // 2, norm, rand)
            i += 4
        else:
            _conv(sd, f"model.{i}", ngf * mult, ngf * mult // 2, 3, bias, rand, transposed=True)
            _norm(sd, f"model.{i + 1}", ngf * mult // 2, norm, rand)
            i += 3
    _conv(sd, f"model.{i + 1}", ngf, output_nc, 7, True, rand)
    return sd


def reference_unet(input_nc=3, output_nc=3, num_downs=8, ngf=4, norm="batch",
                   seed=0) -> OrderedDict:
    """A state dict as the reference UnetGenerator saves it (nested levels, outer first)."""
    rand, sd, bias = _Rand(seed), OrderedDict(), norm == "instance"

    def width(level):
        return ngf * min(2**level, 8)

    def level(k, prefix):
        if k == 0:
            _conv(sd, prefix + "0", input_nc, ngf, 4, bias, rand)
            level(1, prefix + "1.model.")
            _conv(sd, prefix + "3", ngf * 2, output_nc, 4, True, rand, transposed=True)
        elif k == num_downs - 1:
            _conv(sd, prefix + "1", width(k - 1), width(k), 4, bias, rand)
            _conv(sd, prefix + "3", width(k), width(k - 1), 4, bias, rand, transposed=True)
            _norm(sd, prefix + "4", width(k - 1), norm, rand)
        else:
            _conv(sd, prefix + "1", width(k - 1), width(k), 4, bias, rand)
            _norm(sd, prefix + "2", width(k), norm, rand)
            level(k + 1, prefix + "3.model.")
            _conv(sd, prefix + "5", width(k) * 2, width(k - 1), 4, bias, rand, transposed=True)
            _norm(sd, prefix + "6", width(k - 1), norm, rand)

    level(0, "model.model.")
    return sd


def by_hand(sd: dict) -> dict:
    """The i2i names, written out here: ``block`` for ``conv_block``; no blur buffers."""
    return {k.replace(".conv_block.", ".block."): v for k, v in sd.items()
            if not k.endswith(".filt")}


def image_folder(tmp_path, size=32, seed=3):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    Image.fromarray(image).save(folder / "x.png")
    return folder, image


def run_net(net, image: np.ndarray) -> np.ndarray:
    net.eval()
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1.0
    with torch.no_grad():
        y = net(x)[0]
    return ((y.clamp(-1, 1) + 1) * 127.5).round().permute(1, 2, 0).numpy().astype(int)


def translated(cli, run, folder, out, *args) -> np.ndarray:
    result = cli("translate", str(run), str(folder), "--out", str(out), "--quiet", "--eval",
                 *args)
    assert result.exit_code == 0, result.output
    return np.asarray(Image.open(out / "x.png").convert("RGB"), dtype=int)


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def assert_same_as_i2i_net(cli, tmp_path, run, net, image_size=32, direction="AtoB"):
    folder, image = image_folder(tmp_path, image_size)
    written = translated(cli, run, folder, tmp_path / f"out_{direction}", "--direction",
                         direction)
    expected = run_net(net, image)
    assert np.abs(written - expected).max() <= 1
    assert np.abs(written - image).mean() > 2  # not the input written back


@pytest.mark.parametrize("n_blocks,norm,dropout", [(9, "instance", False), (6, "batch", True)])
def test_resnet_generator_file_translates_like_its_weights_in_i2i(cli, tmp_path, n_blocks,
                                                                   norm, dropout):
    sd = reference_resnet(n_blocks=n_blocks, norm=norm, dropout=dropout)
    torch.save(sd, tmp_path / "latest_net_G.pth")
    run = tmp_path / "runs" / "h2z"
    result = cli("import", str(tmp_path / "latest_net_G.pth"), "--from", "junyanz",
                 "--out", str(run))
    assert result.exit_code == 0, result.output
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=n_blocks, norm=norm, dropout=dropout)
    net.load_state_dict(by_hand(sd))
    assert_same_as_i2i_net(cli, tmp_path, run, net)
    method, cfg, _ = load_for_inference(run, None, torch.device("cpu"), eval_mode=True)
    assert cfg.method == "cyclegan"
    assert cfg.generator.params == {"ngf": 4, "n_blocks": n_blocks, "norm": norm,
                                    "dropout": dropout, "sampling": "stride"}
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        assert torch.equal(method.translate(x), net(x))  # bit-equal, not just close


@pytest.mark.parametrize("num_downs,size", [(8, 256), (7, 128)])
def test_unet_generator_file_translates_like_its_weights_in_i2i(cli, tmp_path, num_downs,
                                                                 size):
    sd = reference_unet(num_downs=num_downs)
    torch.save(sd, tmp_path / "facades.pth")
    run = tmp_path / "facades"
    result = cli("import", str(tmp_path / "facades.pth"), "--from", "junyanz", "--dropout",
                 "--out", str(run))
    assert result.exit_code == 0, result.output
    net = UnetGenerator(3, 3, num_downs=num_downs, ngf=4, norm="batch", dropout=True)
    net.load_state_dict(sd)  # the U-Net's names are the reference's
    assert_same_as_i2i_net(cli, tmp_path, run, net, image_size=size)
    _, cfg, _ = load_for_inference(run, None, torch.device("cpu"))
    assert cfg.method == "pix2pix"
    assert cfg.generator.params == {"num_downs": num_downs, "ngf": 4, "norm": "batch",
                                    "dropout": True}


def test_cut_antialiased_generator_translates_like_its_weights_in_i2i(cli, tmp_path):
    sd = reference_resnet(antialias=True, seed=1)
    torch.save(sd, tmp_path / "latest_net_G.pth")
    run = tmp_path / "cut_h2z"
    result = cli("import", str(tmp_path / "latest_net_G.pth"), "--from", "cut",
                 "--out", str(run))
    assert result.exit_code == 0, result.output
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=9, sampling="antialias", up_filter=4)
    net.load_state_dict(by_hand(sd))
    assert_same_as_i2i_net(cli, tmp_path, run, net)
    _, cfg, _ = load_for_inference(run, None, torch.device("cpu"))
    assert cfg.method == "cut"
    # i2i's own default [1,2,1] up-blur would not be the reference's generator
    other = ResnetGenerator(3, 3, ngf=4, n_blocks=9, sampling="antialias", up_filter=3)
    other.load_state_dict(by_hand(sd))
    folder, image = image_folder(tmp_path)
    assert np.abs(translated(cli, run, folder, tmp_path / "o2")
                  - run_net(other, image)).max() > 1


def test_blur_upsample_of_4_taps_is_bilinear_at_half_pixel_offsets():
    """CUT's Upsample ([1,3,3,1] transposed blur on a replicate-padded input) is what
    ``interpolate(bilinear, align_corners=False)`` computes; i2i's 4-tap blur must be too."""
    from i2i.nets.blocks import BlurUpsample2d

    x = torch.randn(2, 3, 5, 7, dtype=torch.float64)
    y = BlurUpsample2d(3, 4).double()(x)
    expected = torch.nn.functional.interpolate(x, scale_factor=2, mode="bilinear",
                                               align_corners=False)
    assert torch.allclose(y, expected)


TRAIN_OPT = """----------------- Options ---------------
               batch_size: 1
                    beta1: 0.5
                crop_size: 64                            \t[default: 256]
                 dataroot: {root}                        \t[default: None]
                direction: BtoA                          \t[default: AtoB]
                  gpu_ids: -1                            \t[default: 0]
                 lambda_A: 5.0                           \t[default: 10.0]
                 lambda_B: 10.0
          lambda_identity: 0.5
                load_size: 72                            \t[default: 286]
                       lr: 0.0002
                    model: cycle_gan
                     netD: basic
                     netG: resnet_6blocks                \t[default: resnet_9blocks]
                      ngf: 4                             \t[default: 64]
               no_dropout: True
                  no_flip: True                          \t[default: False]
                     norm: instance
                 n_epochs: 100
           n_epochs_decay: 100
                pool_size: 50
----------------- End -------------------
"""


@pytest.fixture
def experiment(tmp_path):
    """A junyanz CycleGAN experiment folder: both generators at two epochs, a
    discriminator, train_opt.txt."""
    folder = tmp_path / "checkpoints" / "maps"
    folder.mkdir(parents=True)
    for epoch, seed in (("latest", 10), ("5", 20)):
        torch.save(reference_resnet(n_blocks=6, seed=seed), folder / f"{epoch}_net_G_A.pth")
        torch.save(reference_resnet(n_blocks=6, seed=seed + 1), folder / f"{epoch}_net_G_B.pth")
    torch.save({"model.0.weight": torch.zeros(4, 3, 4, 4)}, folder / "latest_net_D_A.pth")
    (folder / "train_opt.txt").write_text(TRAIN_OPT.format(root=tmp_path / "maps_data"))
    return folder


def i2i_resnet(seed, n_blocks=6):
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=n_blocks)
    net.load_state_dict(by_hand(reference_resnet(n_blocks=n_blocks, seed=seed)))
    return net


def test_experiment_folder_gives_both_directions_and_the_train_opt_settings(
        cli, tmp_path, experiment, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("import", str(experiment), "--from", "junyanz")
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / "maps"  # the default: runs/<experiment name>
    assert_same_as_i2i_net(cli, tmp_path, run, i2i_resnet(10), direction="AtoB")
    assert_same_as_i2i_net(cli, tmp_path, run, i2i_resnet(11), direction="BtoA")
    _, cfg, _ = load_for_inference(run, None, torch.device("cpu"))
    assert cfg.method == "cyclegan"
    assert (cfg.data.root, cfg.data.direction) == (str(tmp_path / "maps_data"), "BtoA")
    assert (cfg.data.crop_size, cfg.data.load_size, cfg.data.flip) == (64, 72, False)
    assert (cfg.loss.lambda_A, cfg.loss.lambda_B, cfg.loss.identity) == (5.0, 10.0, 0.5)
    assert cfg.generator.params["dropout"] is False


def test_epoch_option_imports_that_epochs_generators(cli, tmp_path, experiment):
    run = tmp_path / "e5"
    result = cli("import", str(experiment), "--from", "junyanz", "--epoch", "5",
                 "--out", str(run))
    assert result.exit_code == 0, result.output
    assert_same_as_i2i_net(cli, tmp_path, run, i2i_resnet(20))
    assert (run / "checkpoints" / "epoch_0005.pt").is_file()


def test_one_generator_of_a_cyclegan_translates_its_direction_only(cli, tmp_path):
    torch.save(reference_resnet(seed=4), tmp_path / "latest_net_G_B.pth")
    run = tmp_path / "only_b"
    result = cli("import", str(tmp_path / "latest_net_G_B.pth"), "--from", "junyanz",
                 "--out", str(run))
    assert result.exit_code == 0, result.output
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=9)
    net.load_state_dict(by_hand(reference_resnet(seed=4)))
    assert_same_as_i2i_net(cli, tmp_path, run, net, direction="BtoA")
    folder, _ = image_folder(tmp_path)
    result = cli("translate", str(run), str(folder), "--out", str(tmp_path / "ab"),
                 "--direction", "AtoB", "--quiet")
    assert result.exit_code != 0
    assert len(error_lines(result.output)) == 1 and "BtoA" in result.output
    assert not (tmp_path / "ab" / "x.png").exists()


class Opaque:
    """A pickled object of this class needs code to load: weights_only refuses it."""


def _bad_file(kind: str, path):
    if kind == "discriminator":
        torch.save(OrderedDict([("model.0.weight", torch.zeros(4, 3, 4, 4)),
                                ("model.0.bias", torch.zeros(4))]), path)
    elif kind == "optimiser state":
        opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))])
        torch.save(opt.state_dict(), path)
    elif kind == "pickle needing code":
        torch.save({"x": Opaque()}, path)
    elif kind == "plain pickle":
        path.write_bytes(pickle.dumps([1, 2, 3]))
    elif kind == "text":
        path.write_text("not a checkpoint\n")
    elif kind == "short text":  # bytes torch's unpickler half-reads ('101', 'pop from ...')
        path.write_text("hello\n")
    elif kind == "three letters":
        path.write_text("abc")
    elif kind == "unexpected key":
        sd = reference_resnet()
        sd["model.99.weight"] = torch.zeros(3)
        torch.save(sd, path)
    elif kind == "mixed antialias":  # CUT's --no_antialias_up alone
        torch.save(reference_resnet(antialias=True, antialias_up=False), path)
    elif kind == "norm none":
        torch.save({k: v for k, v in reference_resnet(norm="batch").items()
                    if k.startswith("model.1.") or ".conv_block." in k}, path)


BAD = {"discriminator": "discriminator", "optimiser state": "not a tensor",
       "pickle needing code": "could run code",
       "plain pickle": "not a PyTorch weights file", "text": "not a PyTorch weights file",
       "short text": "not a PyTorch weights file", "three letters": "not a PyTorch weights file",
       "unexpected key": "model.99.weight",
       "mixed antialias": "mixes anti-aliased", "norm none": "norm none"}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_file_that_is_no_generator_is_one_line_and_leaves_no_run(cli, tmp_path, kind):
    _bad_file(kind, tmp_path / "latest_net_G.pth")
    run = tmp_path / "runs" / "bad"
    result = cli("import", str(tmp_path / "latest_net_G.pth"), "--from", "junyanz",
                 "--out", str(run))
    assert result.exit_code != 0
    lines = error_lines(result.output)
    assert len(lines) == 1 and BAD[kind] in lines[0], result.output
    assert "Traceback" not in result.output
    assert not run.exists()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("source", ["cut", "fastcut"])
def test_a_strided_resnet_imports_as_cut_with_strided_sampling(cli, tmp_path, source):
    """CUT's --no_antialias --no_antialias_up: the method's antialias default must not win."""
    torch.save(reference_resnet(seed=4), tmp_path / "latest_net_G.pth")
    run = tmp_path / "runs" / source
    result = cli("import", str(tmp_path / "latest_net_G.pth"), "--from", source, "--out",
                 str(run))
    assert result.exit_code == 0, result.output
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=9)
    net.load_state_dict(by_hand(reference_resnet(seed=4)))
    assert_same_as_i2i_net(cli, tmp_path, run, net)


def _unet_file(tmp_path):
    torch.save(reference_unet(num_downs=7), tmp_path / "g.pth")
    return str(tmp_path / "g.pth")


@pytest.mark.parametrize("args,message", [
    (["--from", "pytorch"], "choose one of: junyanz, cut, fastcut, sc"),
    (["--from", "junyanz"], "--dropout"),  # a U-Net, no train_opt.txt: asks
    (["--from", "cut", "--direction", "BtoA"], "AtoB"),
    (["--from", "junyanz", "--dropout", "--model", "nosuch"], "nosuch"),
])
def test_what_cannot_be_told_or_done_is_asked_in_one_line(cli, tmp_path, args, message):
    run = tmp_path / "r"
    result = cli("import", _unet_file(tmp_path), *args, "--out", str(run))
    assert result.exit_code != 0
    lines = error_lines(result.output)
    assert len(lines) == 1 and message in lines[0], result.output
    assert not run.exists()


def test_an_existing_non_empty_out_folder_is_refused_and_kept(cli, tmp_path):
    run = tmp_path / "mine"
    run.mkdir()
    (run / "notes.txt").write_text("keep me")
    result = cli("import", _unet_file(tmp_path), "--from", "junyanz", "--dropout",
                 "--out", str(run))
    assert result.exit_code != 0 and len(error_lines(result.output)) == 1
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]
    assert (run / "notes.txt").read_text() == "keep me"


def test_train_opt_that_describes_another_generator_is_refused(cli, tmp_path, experiment):
    text = (experiment / "train_opt.txt").read_text().replace("resnet_6blocks", "unet_256")
    (experiment / "train_opt.txt").write_text(text)
    result = cli("import", str(experiment), "--from", "junyanz", "--out", str(tmp_path / "r"))
    assert result.exit_code != 0
    lines = error_lines(result.output)
    assert len(lines) == 1 and "unet_256" in lines[0], result.output
    assert not (tmp_path / "r").exists()


def test_a_folder_without_generators_names_the_epochs_it_has(cli, tmp_path, experiment):
    result = cli("import", str(experiment), "--from", "junyanz", "--epoch", "7",
                 "--out", str(tmp_path / "r"))
    lines = error_lines(result.output)
    assert result.exit_code != 0 and len(lines) == 1
    assert "5, latest" in lines[0], result.output


def test_an_imported_run_does_not_resume_training(tmp_path, experiment):
    """It holds generators only: resuming is one line, not a KeyError deep in the loop."""
    from i2i.errors import CheckpointError
    from i2i.interop.reference_import import import_experiment
    from i2i.methods.cyclegan import CycleGAN
    from i2i.runs import find_checkpoint
    from i2i.training.checkpoint import load_nets

    run = import_experiment(experiment, "junyanz", tmp_path / "r").run_dir
    path, payload = find_checkpoint(run, None)
    method = CycleGAN(load_for_inference(run, None, torch.device("cpu"))[1],
                      torch.device("cpu"), training=True)
    with pytest.raises(CheckpointError, match="not resume training"):
        load_nets(method, payload, path)


def test_a_failure_while_writing_leaves_neither_the_run_nor_a_temp_folder(tmp_path,
                                                                         monkeypatch):
    from i2i.interop.reference_import import import_generator_file
    from i2i.training import checkpoint

    torch.save(reference_resnet(), tmp_path / "latest_net_G.pth")

    def fail(path, payload):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
        raise OSError("disk gone")

    monkeypatch.setattr(checkpoint, "save_checkpoint", fail)
    with pytest.raises(OSError, match="disk gone"):
        import_generator_file(tmp_path / "latest_net_G.pth", "junyanz", tmp_path / "runs" / "r")
    assert list((tmp_path / "runs").iterdir()) == []


CUT_OPT = """----------------- Options ---------------
                 CUT_mode: FastCUT                       \t[default: CUT]
                 dataroot: ./datasets/grumpifycat        \t[default: None]
        flip_equivariance: True                          \t[default: False]
               lambda_NCE: 10.0                          \t[default: 1.0]
                    model: cut
                  nce_idt: False                         \t[default: True]
               nce_layers: 0,4,8                         \t[default: 0,4,8,12,16]
                    nce_T: 0.07
                     netG: resnet_9blocks
                      ngf: 4                             \t[default: 64]
               no_dropout: True
                    normG: instance
              num_patches: 128                           \t[default: 256]
----------------- End -------------------
"""


def test_cut_experiment_with_train_opt_becomes_a_fastcut_run_with_its_nce_settings(
        cli, tmp_path):
    folder = tmp_path / "grumpy_fastcut"
    folder.mkdir()
    torch.save(reference_resnet(antialias=True, seed=5), folder / "latest_net_G.pth")
    (folder / "train_opt.txt").write_text(CUT_OPT)
    run = tmp_path / "r"
    result = cli("import", str(folder), "--from", "cut", "--out", str(run))
    assert result.exit_code == 0, result.output
    _, cfg, _ = load_for_inference(run, None, torch.device("cpu"))
    nce = cfg.loss.terms["patchnce"]
    assert cfg.method == "fastcut" and cfg.loss.flip_equivariance is True
    assert (nce["weight"], nce["params"]["layers"], nce["params"]["num_patches"]) == (
        10.0, [0, 4, 8], 128)
    assert cfg.generator.params["up_filter"] == 4


def test_an_imported_run_has_the_permissions_of_a_plain_folder(cli, tmp_path):
    import os

    torch.save(reference_resnet(), tmp_path / "latest_net_G.pth")
    run = tmp_path / "runs" / "perm"
    assert cli("import", str(tmp_path / "latest_net_G.pth"), "--from", "junyanz", "--out",
               str(run)).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert run.stat().st_mode & 0o777 == 0o777 & ~umask  # not mkdtemp's private 0700


def test_sc_train_opt_carries_the_spatially_correlative_settings():
    """Guards against an imported LSeSim run (F-LSeSim's --learned_attn --augment) becoming
    FSeSim with i2i's defaults: each of their loss options maps to the term's setting."""
    from i2i.interop.reference_options import options_overlay

    options = {"lambda_spatial": "10.0", "attn_layers": "4,7,9", "patch_nums": "-1.0",
               "patch_size": "32", "loss_mode": "l1", "use_norm": "True",
               "learned_attn": "True", "augment": "False", "T": "0.1"}
    scl = options_overlay(options, "sc")["loss"]["terms"]["scl"]
    assert scl == {"weight": 10.0, "params": {
        "layers": ["conv3_1", "conv4_1", "conv4_3"], "num_patches": 0, "patch_size": 32,
        "mode": "l1", "use_norm": True, "learned": True, "augment": False,
        "temperature": 0.1}}
    assert "loss" not in options_overlay(options, "cut")  # another method reads none
