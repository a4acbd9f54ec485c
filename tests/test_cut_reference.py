"""i2i's ``cut`` against CUT as its authors wrote it (``tests/cut_reference.py``, a
transcription of taesungp/contrastive-unpaired-translation): the preset's networks are the
authors' anti-aliased generator and discriminator, and from the same weights, batches and
patch positions the two trainings follow the same trajectory.

All in float64, so what remains is round-off. Forward passes agree within 1e-12 (outputs
of order 1); losses within a relative 1e-9 at every step (measured: 1e-16); weights within
1e-7 after three Adam steps of lr 2e-4 (0.05 % of a step). That bound is set by the biases
of the convolutions right before an instance norm: their true gradient is zero, Adam turns
their round-off (~1e-13) into steps of ~3e-9 (measured max 1e-8; every other weight
agrees within 1e-14). Tiny nets (ngf 4, 5 residual blocks so that layer 16 exists, 32 px)
keep it to seconds.
"""

from __future__ import annotations

import copy

import cut_reference as ref
import pytest
import torch
from torch import nn

from i2i.losses.patchnce import PatchNCE
from i2i.methods.one_sided import CUT
from i2i.nets.discriminators.patchgan import patchgan
from i2i.nets.generators.resnet import resnet
from i2i.runs import resolve_train_config

CPU = torch.device("cpu")
NCE_LAYERS = [0, 4, 8, 12, 16]
FORWARD_TOL = 1e-12
LOSS_REL_TOL = 1e-9
WEIGHT_TOL = 1e-7


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def copy_weights(src: nn.Module, dst: nn.Module) -> None:
    """``src``'s parameters into ``dst``, in module order (both must have the same layout)."""
    pairs = list(zip(src.parameters(), dst.parameters(), strict=True))
    with torch.no_grad():
        for a, b in pairs:
            assert a.shape == b.shape
            b.copy_(a)


def count(net: nn.Module) -> tuple[int, int]:
    params = list(net.parameters())
    return len(params), sum(p.numel() for p in params)


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().max().item()


def test_cut_generator_is_the_authors_antialiased_resnet(float64):
    """Guards against the preset's generator drifting from the authors' (a 3-tap up blur,
    strided convs, a reordered block) and against nce_layers 0,4,8,12,16 naming other
    activations than theirs."""
    torch.manual_seed(0)
    ours = resnet(3, 3, ngf=4, n_blocks=6, sampling="antialias", up_filter=4)
    theirs = ref.ResnetGenerator(3, 3, ngf=4, n_blocks=6)
    assert count(ours) == count(theirs)
    copy_weights(ours, theirs)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    out, feats = ours(x, NCE_LAYERS)
    want_out, want_feats = theirs(x, NCE_LAYERS)
    assert max_diff(out, want_out) < FORWARD_TOL
    for f, w in zip(feats, want_feats, strict=True):
        assert f.shape == w.shape and max_diff(f, w) < FORWARD_TOL
    three_tap = resnet(3, 3, ngf=4, n_blocks=6, sampling="antialias", up_filter=3)
    copy_weights(ours, three_tap)
    assert max_diff(three_tap(x), want_out) > 1e-4  # the comparison sees the filter


def test_cut_discriminator_is_the_authors_antialiased_patchgan(float64):
    """Guards against the anti-aliased PatchGAN losing its blur, its order (conv, norm,
    LeakyReLU, blur) or a bias, and against ``sampling`` being ignored."""
    torch.manual_seed(0)
    ours = patchgan(3, ndf=4, n_layers=3, sampling="antialias")
    theirs = ref.NLayerDiscriminator(3, ndf=4, n_layers=3)
    assert count(ours) == count(theirs)
    copy_weights(ours, theirs)
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    assert max_diff(ours(x), theirs(x)) < FORWARD_TOL
    strided = patchgan(3, ndf=4, n_layers=3)
    copy_weights(ours, strided)
    assert strided(x).shape != theirs(x).shape or max_diff(strided(x), theirs(x)) > 1e-4


def test_cut_presets_train_the_authors_networks():
    for method in ("cut", "fastcut"):
        cfg = resolve_train_config(method, None, None, {"data": {"root": "builtin:toy"}}, [])
        assert cfg.generator.params["sampling"] == "antialias"
        assert cfg.generator.params["up_filter"] == 4
        assert cfg.discriminator.params["sampling"] == "antialias"


class SharedPatchIds:
    """i2i's PatchNCE draws positions as it always does; each draw is kept, in order, for
    the authors' PatchSampleF to take instead of drawing its own."""

    def __init__(self):
        self.queue: list[torch.Tensor] = []

    def i2i_draw(self, original):
        def draw(term, feat):
            ids = original(term, feat)
            self.queue.append(ids.clone())
            return ids
        return draw

    def reference_draw(self, hw: int, num_patches: int) -> torch.Tensor:
        ids = self.queue.pop(0)
        assert len(ids) == min(num_patches, hw)
        return ids


def cut_config(tmp_path, *extra: str):
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 32},
             "name": "traj", "out_dir": str(tmp_path)}
    sets = ["data.batch_size=1", "generator.params.ngf=4", "generator.params.n_blocks=5",
            "discriminator.params.ndf=4", *extra]
    return resolve_train_config("cut", None, None, layer, sets)


@pytest.mark.numerics
def test_cut_follows_the_authors_training_trajectory(tmp_path, float64, monkeypatch):
    """Three steps of i2i's cut and of the authors' optimize_parameters (D step, then G and
    F on GAN + (NCE + NCE_Y) / 2; F made, and its Adam created, at the first batch as
    data_dependent_initialize does) from the same weights, on the same batches and patch
    positions: the same losses at every step and the same weights after.

    Guards against any departure in the step: the order of the D and G updates, a missing
    or doubled NCE_Y share, a gradient through the keys, heads left out of the update, a
    different lr for them, the normalisation of the projected patches, the layers the
    NCE reads, the patch count at small maps (256 asked, 64 positions at layers 12, 16)."""
    ids = SharedPatchIds()
    monkeypatch.setattr(PatchNCE, "_positions", ids.i2i_draw(PatchNCE._positions))
    torch.manual_seed(0)
    method = CUT(cut_config(tmp_path), CPU)
    term = method.terms[0].term
    assert term.layers == NCE_LAYERS and term.num_patches == 256
    start = {k: copy.deepcopy(v) for k, v in method.nets.items()}

    g = ref.ResnetGenerator(3, 3, ngf=4, n_blocks=5)
    d = ref.NLayerDiscriminator(3, ndf=4)
    copy_weights(start["G"], g)
    copy_weights(start["D"], d)
    f = ref.PatchSampleF(nc=256, draw=ref.numpy_ids)
    theirs = ref.CUTModel(g, d, f, NCE_LAYERS)

    gen = torch.Generator().manual_seed(1)
    batches = [(torch.rand(1, 3, 32, 32, generator=gen) * 2 - 1,
                torch.rand(1, 3, 32, 32, generator=gen) * 2 - 1) for _ in range(3)]
    for step, (a, b) in enumerate(batches):
        logs = method.training_step({"A": a, "B": b})
        theirs.set_input(a, b)
        if step == 0:  # their F is made here (own draws), then given i2i's initial heads
            theirs.data_dependent_initialize()
            copy_weights(start["term_patchnce"].heads, f)
            f.draw = ids.reference_draw
        theirs.optimize_parameters()
        assert not ids.queue  # each of i2i's draws used once, in order
        for ours_key, value in (("D", theirs.loss_D), ("G_GAN", theirs.loss_G_GAN),
                                ("patchnce", theirs.loss_NCE),
                                ("patchnce_idt", theirs.loss_NCE_Y)):
            assert logs[ours_key] == pytest.approx(value.item(), rel=LOSS_REL_TOL), \
                (step, ours_key)

    for key, net in (("G", g), ("D", d), ("term_patchnce", f)):
        ours = list(method.nets[key].parameters())
        want = list(net.parameters())
        assert len(ours) == len(want)
        worst = max(max_diff(p, q) for p, q in zip(ours, want, strict=True))
        moved = max(max_diff(p, q) for p, q in zip(ours, start[key].parameters(),
                                                   strict=True))
        assert worst < WEIGHT_TOL, (key, worst)
        assert moved > 1e-4, key  # they did move (3 steps of 2e-4): equal after steps
