"""Reference generators' state dicts: which i2i architecture they are, and their i2i names.

The reference code bases (junyanz/pytorch-CycleGAN-and-pix2pix, taesungp/contrastive-
unpaired-translation, lyndonzheng/F-LSeSim) save ``net.state_dict()`` of a
``ResnetGenerator`` or ``UnetGenerator``. i2i's ``resnet`` and ``unet`` are the same module
trees, so the tensors carry over as they are, except:

* ResNet blocks hold their layers as ``conv_block`` there and ``block`` here;
* CUT's anti-aliased Downsample/Upsample save their fixed blur filters (``*.filt``); i2i's
  blurs rebuild theirs, so those are dropped (their shape tells the filter size);
* generators saved by old versions carry InstanceNorm running statistics that the reference
  itself deletes when loading; they are dropped too.

What the tensors determine is read from them: ResNet or U-Net, ngf, blocks or depth, input
and output channels, norm (batch norm has parameters and bias-free convs, instance norm
neither parameters nor bias-free convs), anti-aliased or strided sampling, and a ResNet's
dropout (it shifts the second conv of each block). A U-Net's dropout is a parameter-free
last module, so the tensors cannot say; the caller supplies it. The result is checked
against the i2i network it names, tensor for tensor, so a file that fits no known
architecture is a one-line error naming the first key that does not fit.

To read one more layout, add a ``_read_<kind>`` function and a test for it in
:func:`read_generator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from i2i.errors import CheckpointError
from i2i.nets.blocks import UP_FILTERS

_STATS = ("running_mean", "running_var", "num_batches_tracked")


@dataclass
class Generator:
    """A reference generator as i2i builds it: factory name and params, channels, tensors
    under i2i's names; ``unknown`` lists params its tensors cannot tell."""

    name: str
    params: dict
    input_nc: int
    output_nc: int
    state: dict = field(repr=False)
    unknown: tuple[str, ...] = ()

    def describe(self) -> str:
        p = self.params
        if self.name == "resnet":
            what = f"ResNet, {p['n_blocks']} blocks"
            if p.get("sampling") == "antialias":
                what += ", anti-aliased sampling"
        else:
            what = f"U-Net, {p['num_downs']} levels"
        return (f"{what}, ngf {p['ngf']}, {p['norm']} norm, "
                f"{self.input_nc}->{self.output_nc} channels")


def read_generator(state, where: str) -> Generator:
    """The i2i generator a reference state dict is (``where``: the file, for messages)."""
    state = _tensor_dict(state, where)
    if any(k.startswith("model.model.") for k in state):
        return _read_unet(state, where)
    first = state.get("model.1.weight")
    if first is not None and first.dim() == 4 and first.shape[-1] == 7:
        return _read_resnet(state, where)
    hint = ""
    d0 = state.get("model.0.weight")
    if d0 is not None and d0.dim() == 4 and d0.shape[-1] == 4:
        hint = "; it looks like a discriminator (net_D), import the generator file (net_G)"
    raise CheckpointError(f"{where} matches no reference generator: its first key "
                          f"'{next(iter(state))}' is neither a ResnetGenerator's "
                          f"(model.1.weight, 7x7) nor a UnetGenerator's (model.model.0.weight)"
                          f"{hint}")


def _tensor_dict(state, where: str) -> dict:
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"{where} is not a generator state dict (it holds a "
                              f"{type(state).__name__}, not named tensors)")
    bad = next((k for k, v in state.items()
                if not isinstance(k, str) or not isinstance(v, torch.Tensor)), None)
    if bad is not None:
        keys = ", ".join(map(str, list(state)[:3]))
        raise CheckpointError(f"{where} is not a generator state dict: '{bad}' is not a "
                              f"tensor (keys: {keys}; an optimiser state or an i2i checkpoint?)")
    if all(k.startswith("module.") for k in state):  # saved from a DataParallel wrapper
        state = {k[len("module."):]: v for k, v in state.items()}
    return dict(state)


def _norm(state: dict, conv: str, norm: str, where: str) -> str:
    """batch: affine norm with statistics after a bias-free conv; instance: no norm
    parameters, conv with bias. The reference's norm 'none' (neither) i2i cannot build."""
    if f"{norm}.weight" in state and f"{norm}.running_mean" in state:
        return "batch"
    if f"{conv}.bias" in state:
        return "instance"
    raise CheckpointError(f"{where}: the generator has neither batch norm parameters nor conv "
                          f"biases ({conv}.bias), i.e. the reference's --norm none, which i2i "
                          "cannot import")


def _read_resnet(state: dict, where: str) -> Generator:
    ngf, input_nc = state["model.1.weight"].shape[:2]
    norm = _norm(state, "model.1", "model.2", where)
    # After pad, conv, norm, ReLU (0-3) come two down levels: conv, norm, ReLU (strided) or
    # conv, norm, ReLU, blur (anti-aliased, whose second conv is then at 8, not 7).
    antialias = "model.7.weight" not in state and "model.8.weight" in state
    level = 4 if antialias else 3
    first_block = 4 + 2 * level
    blocks = sorted({int(k.split(".")[1]) for k in state if ".conv_block." in k})
    if blocks != list(range(first_block, first_block + len(blocks))):
        raise CheckpointError(f"{where} matches no reference ResnetGenerator: its residual "
                              f"blocks (model.N.conv_block) should start at model.{first_block}")
    up = first_block + len(blocks)
    up_antialias = f"model.{up}.weight" not in state
    if antialias != up_antialias:
        raise CheckpointError(f"{where} mixes anti-aliased and strided sampling (CUT's "
                              "--no_antialias or --no_antialias_up alone); i2i's generator "
                              "uses one kind for both")
    # A block's second conv is its module 5, or 6 behind a dropout (batch norm's 1-D
    # weight can sit at 6 too, so the conv is told by its 4-D shape).
    second = state.get(f"model.{first_block}.conv_block.6.weight")
    params = {"ngf": ngf, "n_blocks": len(blocks), "norm": norm,
              "dropout": second is not None and second.dim() == 4}
    if antialias:
        params.update(sampling="antialias", up_filter=_blur_size(state, up, where))
    else:  # said outright: a method's own default (cut: antialias) must not win
        params["sampling"] = "stride"
    last = up + 2 * level + 1  # the 7x7 conv after the final padding
    if f"model.{last}.weight" not in state:
        raise CheckpointError(f"{where} matches no reference ResnetGenerator: no final conv "
                              f"model.{last}.weight")
    output_nc = state[f"model.{last}.weight"].shape[0]
    renamed = {k.replace(".conv_block.", ".block."): v for k, v in state.items()
               if not k.endswith(".filt")}
    return _fitted(Generator("resnet", params, input_nc, output_nc, renamed), where)


def _blur_size(state: dict, up: int, where: str) -> int:
    """CUT's Upsample saves its filter (4x4 by default); the Downsample's must be 3x3."""
    for key, value in state.items():
        if key.endswith(".filt") and int(key.split(".")[1]) < up and value.shape[-1] != 3:
            raise CheckpointError(f"{where}: {key} is a {value.shape[-1]}-tap blur; i2i's "
                                  "anti-aliased downsampling has 3 taps")
    filt = state.get(f"model.{up}.filt")
    size = 4 if filt is None else filt.shape[-1]
    if size not in UP_FILTERS:
        raise CheckpointError(f"{where}: model.{up}.filt is a {size}-tap blur; i2i's "
                              f"upsampling blurs have {' or '.join(map(str, UP_FILTERS))}")
    return size


def _read_unet(state: dict, where: str) -> Generator:
    # The outermost level's inner level is its module 1, every further one module 3.
    levels = ["model.model.", "model.model.1.model."]
    while any(k.startswith(levels[-1] + "3.model.") for k in state):
        levels.append(levels[-1] + "3.model.")
    outer, inner = levels[0], levels[-1]
    if f"{outer}0.weight" not in state or f"{outer}3.weight" not in state:
        raise CheckpointError(f"{where} matches no reference UnetGenerator: no outer convs "
                              f"{outer}0.weight and {outer}3.weight")
    ngf, input_nc = state[f"{outer}0.weight"].shape[:2]
    output_nc = state[f"{outer}3.weight"].shape[1]  # a transposed conv: (in, out, k, k)
    norm = _norm(state, f"{inner}3", f"{inner}4", where)
    params = {"num_downs": len(levels), "ngf": ngf, "norm": norm}
    return _fitted(Generator("unet", params, input_nc, output_nc, state, ("dropout",)), where)


def _fitted(gen: Generator, where: str) -> Generator:
    """``gen`` with exactly the tensors of the i2i net it names, in that net's order."""
    if gen.params["norm"] == "instance":  # old files' InstanceNorm statistics
        gen.state = {k: v for k, v in gen.state.items() if k.rsplit(".", 1)[-1] not in _STATS}
    expected = build(gen, dropout=gen.params.get("dropout", False)).state_dict()
    reference_name = _reference_namer(gen)
    for key, value in gen.state.items():
        if key not in expected:
            raise CheckpointError(f"{where} does not fit the {gen.describe()} its first "
                                  f"tensors describe: unexpected key '{reference_name(key)}'")
        if value.shape != expected[key].shape:
            raise CheckpointError(f"{where} does not fit the {gen.describe()} its first "
                                  f"tensors describe: '{reference_name(key)}' has shape "
                                  f"{tuple(value.shape)}, expected {tuple(expected[key].shape)}")
    state = {}
    for key, value in expected.items():
        if key in gen.state:
            state[key] = gen.state[key]
        elif key.endswith(".num_batches_tracked"):  # files older than PyTorch 0.4.1
            state[key] = torch.zeros_like(value)
        else:
            raise CheckpointError(f"{where} does not fit the {gen.describe()} its first "
                                  f"tensors describe: key '{reference_name(key)}' is missing")
    gen.state = state
    return gen


def _reference_namer(gen: Generator) -> Callable[[str], str]:
    if gen.name == "resnet":
        return lambda key: key.replace(".block.", ".conv_block.")
    return lambda key: key


def build(gen: Generator, dropout: bool) -> torch.nn.Module:
    """The i2i network ``gen`` names (weights as the factory initialises them)."""
    from i2i.plugins import lookup

    params = {**gen.params, "dropout": dropout}
    return lookup("generators", gen.name)(gen.input_nc, gen.output_nc, **params)
