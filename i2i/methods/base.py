"""The protocol between a method and the training loop.

The loop owns devices, precision, DDP, schedules, checkpoints and callbacks. A method owns
its networks (``self.nets``: name -> module; what checkpoints save), its optimisers
(``self.optimizers``), and one ``training_step(batch) -> {loss name: float}``.

Multimodal methods (one input, many outputs: BicycleGAN) translate with a latent code z.
Such a method sets ``self.latent_size`` (nz > 0, from its config), accepts ``z`` (N, nz) in
:meth:`Method.translate` (``z=None``: its one deterministic output, e.g. the prior's mean),
implements :meth:`Method.encode_latent` (the code of an example output, for
``translate --reference``) and, if its prior is not N(0, I), :meth:`Method.sample_latents`.
``i2i translate --samples K`` then works for it with no further code.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

import torch
from torch import nn

from i2i.config import (
    ComponentConfig,
    EncoderConfig,
    RunConfig,
    check_factory_params,
    load_preset,
)
from i2i.errors import ConfigError
from i2i.losses.gan import gradient_penalty
from i2i.methods.image_pool import ImagePool
from i2i.methods.packing import Packer, check_pack
from i2i.nets.blocks import init_weights


def _check_loss_names(cfg: RunConfig, reads: frozenset[str] | None) -> None:
    """Every loss named in the config must exist before anything trains (a method that
    does not read ``loss.recon`` refuses it being set at all: ``Method.reads``)."""
    from i2i.losses.criteria import gan_loss, recon_loss

    gan_loss(cfg.loss.gan)
    for name in ("cycle", "recon"):
        if reads is None or f"loss.{name}" in reads:
            recon_loss(getattr(cfg.loss, name))


_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
          list: "a list"}


def _check_options(method: str, declared: dict, given: dict) -> None:
    """Each ``options.<name>`` must be declared by the method and of its default's type."""
    for key, value in given.items():
        if key not in declared:
            valid = ", ".join(declared) or "none"
            raise ConfigError(f"unknown setting 'options.{key}' for {method}; valid options: "
                              f"{valid}")
        kind = type(declared[key])
        fits = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            fits = True  # 10 for 10.0
        if not fits:
            raise ConfigError(f"'options.{key}' is {value!r}; it must be "
                              f"{_KINDS.get(kind, kind.__name__)} ({method}'s default: "
                              f"{declared[key]!r})")


class Method:
    name: ClassVar[str] = ""
    paired: ClassVar[bool] = False  # does it need aligned (A, B) pairs?
    #: direction name -> generator key in self.nets
    generator_for: ClassVar[dict[str, str]] = {}
    #: the method's own settings (``options.<name>`` in the config) and their defaults;
    #: read them with :meth:`option`. To add one, add it here and document it.
    options: ClassVar[dict] = {}
    #: numbers in the latent code :meth:`translate` takes as ``z``; 0: no code (one output
    #: per input). A multimodal method sets it per instance, from its config.
    latent_size: int = 0
    #: whether :meth:`translate` is a feed-forward pass that can run tile by tile
    #: (``translate --tile``); False for methods that optimise each image as a whole
    tileable: ClassVar[bool] = True
    #: which of config.METHOD_SETTINGS (``loss.lambda_A``, ``encoder``, ...) this method
    #: reads; the others stay out of its config.yaml and are refused when set. None: not
    #: declared (a plugin written before this existed): every setting is kept.
    reads: ClassVar[frozenset[str] | None] = None
    #: whether :meth:`d_loss` halves the sum of a real and a fake term, as the
    #: pytorch-CycleGAN-and-pix2pix code does (vanilla, LSGAN); False for methods whose
    #: authors sum them (BicycleGAN, UNIT)
    d_loss_halved: ClassVar[bool] = True

    def __init__(self, cfg: RunConfig, device: torch.device, training: bool = True):
        self.cfg, self.device, self.training = cfg, device, training
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.train_nets: dict[str, nn.Module] = {}  # possibly DDP-wrapped views of nets
        self.autocast = contextlib.nullcontext
        self.scaler: torch.amp.GradScaler | None = None
        self.progress = 0.0  # fraction of training done, for annealed terms
        self.step = 0  # training steps done before the current one (staged methods)
        _check_loss_names(cfg, self.reads)
        _check_options(self.name, self.options, cfg.options)
        self.pack = cfg.discriminator.pack  # PacGAN: samples per discriminator input
        if training:
            check_pack(self.pack, cfg.data.batch_size, cfg.data.preprocess)
        self.packer = Packer(self.pack, cfg.train.seed)
        self.pools: dict[str, ImagePool] = {}  # saved in extra_state under their names

    def option(self, name: str):
        """``options.<name>`` from the config, else the method's default."""
        return self.cfg.options.get(name, self.options[name])

    # ------------------------------------------------------------------ to implement
    @classmethod
    def default_config(cls) -> dict:
        """The method's overlay on the dataclass defaults: ``i2i/configs/<name>.yaml``."""
        return load_preset(cls.name)

    @classmethod
    def fit_data_defaults(cls, overlay: dict) -> dict:
        """A builtin dataset's config overlay (smaller nets for its tiny images), as this
        method takes it. The overlay is written for the registered image-to-image nets; a
        method that builds nets of its own keeps only what fits them."""
        return overlay

    def training_step(self, batch: dict) -> dict[str, float]:
        raise NotImplementedError

    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        """Rows for sample grids, per direction: [(label, images NCHW in [-1, 1]), ...]."""
        raise NotImplementedError

    def check_run(self, total_steps: int) -> None:
        """Refuse in one line a run whose length (``total_steps`` = epochs x steps per
        epoch) does not suit the method; called before anything is written."""

    def check_image_sides(self) -> None:
        """Refuse in one line a crop size a translating net cannot take; called before
        anything is written. Each net of :attr:`generator_for` sees whole images (translate
        pads them to its ``size_multiple``), so in training it sees crops, which must be
        multiples of it: a ResNet with 2 downsamplings at --size 33 fails in its skips."""
        from i2i.nets.sizes import check_side

        if self.cfg.data.preprocess not in ("resize_and_crop", "crop", "scale_width_and_crop"):
            return  # no crop: images come at their own size, rounded to a multiple of 4
        for key in dict.fromkeys(self.generator_for.values()):
            multiple = getattr(self.nets.get(key), "size_multiple", 1)
            if multiple > 1:
                check_side(self.cfg.data.crop_size, multiple, max(16, multiple),
                           f"{self.name}'s {key} ({self.cfg.generator.name})", where="--size")

    # ------------------------------------------------------------------ shared helpers
    def build_generator(self, block: ComponentConfig, input_nc: int, output_nc: int) -> nn.Module:
        from i2i.plugins import lookup

        factory = lookup("generators", block.name)
        check_factory_params(factory, block.params, "generator", skip=2)
        self._check_fits("generator", block, factory, input_nc, output_nc)
        return self._place(factory(input_nc, output_nc, **block.params))

    def build_encoder(self, block: EncoderConfig, input_nc: int) -> nn.Module:
        """A registered encoder (``encoder.name``): images -> (mu, logvar) of
        ``block.latent_size`` numbers each."""
        from i2i.plugins import lookup

        factory = lookup("encoders", block.name)
        check_factory_params(factory, block.params, "encoder", skip=2)
        self._check_fits("encoder", block, factory, input_nc, block.latent_size)
        return self._place(factory(input_nc, block.latent_size, **block.params))

    def build_discriminator(self, block: ComponentConfig, input_nc: int) -> nn.Module:
        """A registered discriminator for ``input_nc``-channel samples; with PacGAN
        (``discriminator.pack`` = m) its input is m samples wide. Feed it through
        :meth:`discriminate` (or :meth:`pack_input`), which packs."""
        from i2i.plugins import lookup

        factory = lookup("discriminators", block.name)
        check_factory_params(factory, block.params, "discriminator", skip=1)
        self._check_fits("discriminator", block, factory, input_nc * self.pack)
        return self._place(factory(input_nc * self.pack, **block.params))

    def _check_fits(self, where: str, block: ComponentConfig, factory, *args) -> None:
        """Before a net is allocated: its parameters (with gradients and Adam's moments
        when training) fit on the device, else one line naming the settings to lower
        (``generator.params.ngf=100000`` would otherwise be an allocator traceback)."""
        from i2i.memory import ADAM_BYTES_PER_PARAM, check_fits, parameter_count

        count = parameter_count(factory, *args, **block.params)
        if count is None:
            return
        knobs = [f"{where}.params.{key}" for key, value in block.params.items()
                 if isinstance(value, int) and not isinstance(value, bool) and value > 1]
        advice = f"lower {' or '.join(knobs)}" if knobs else f"choose a smaller {where}"
        per_param = ADAM_BYTES_PER_PARAM if self.training else 4
        check_fits(count * per_param, self.device,
                   f"the {where} '{block.name}' ({count:.3g} parameters"
                   f"{', trained with Adam' if self.training else ''})", advice)

    def _place(self, net: nn.Module) -> nn.Module:
        init_weights(net, self.cfg.train.init, self.cfg.train.init_gain)
        net = net.to(self.device)
        if self.cfg.train.channels_last and self.device.type == "cuda":
            net = net.to(memory_format=torch.channels_last)
        return net

    def make_adam(self, *nets: nn.Module) -> torch.optim.Optimizer:
        """Adam with the configured lr/betas; fused when the device supports it."""
        params = [p for net in nets for p in net.parameters()]
        o = self.cfg.optim
        kwargs = {"lr": o.lr, "betas": (o.beta1, o.beta2)}
        if o.fused is not False:
            try:
                return torch.optim.Adam(params, fused=True, **kwargs)
            except (RuntimeError, TypeError, ValueError):
                if o.fused:
                    raise
        return torch.optim.Adam(params, **kwargs)

    def d_input(self, x: torch.Tensor) -> torch.Tensor:
        """Instance noise (``loss.d_noise_std``, annealed to zero over training) on what a
        discriminator sees."""
        std = self.cfg.loss.d_noise_std * (1.0 - self.progress)
        return x + torch.randn_like(x) * std if std > 0 else x

    def image_pool(self, name: str, seed_offset: int) -> ImagePool:
        """A ``train.pool_size`` image pool that checkpoints save and resume restores (under
        ``name`` in the extra state) with no code in the method."""
        pool = ImagePool(self.cfg.train.pool_size, seed=self.cfg.train.seed * 2 + seed_offset)
        self.pools[name] = pool
        return pool

    def pack_input(self, key: str, x: torch.Tensor, kind: str, remember: bool = True):
        """``x`` (all of one ``kind``: "real", "fake", or a method's own) as discriminator
        ``key`` takes it: PacGAN packs (``methods/packing.py``), or ``x`` itself when
        ``pack`` is 1. ``remember`` keeps the samples to complete later short packs; say
        False in the generator's pass, where the same fakes were already remembered or
        will be by the discriminator's step."""
        return self.packer.pack(key, kind, x, remember)

    def discriminate(self, key: str, x: torch.Tensor, kind: str,
                     update: bool = True) -> torch.Tensor:
        """Discriminator ``key``'s prediction on ``x`` (packed, with instance noise).

        ``update=True`` in the discriminator's own step (the possibly DDP-wrapped net, and
        ``x`` is remembered for packing); False in the generator's step (the bare, frozen
        net: no gradient sync is needed for a net that is not stepped)."""
        net = self.net(key) if update else self.nets[key]
        return net(self.d_input(self.pack_input(key, x, kind, remember=update)))

    def d_loss(self, key: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """The GAN criterion ``self.gan`` for discriminator ``key``: ``real`` against the
        detached ``fake``, packed, with the gradient penalty on the packs when the
        criterion needs one (on the bare module: DDP cannot double-backward)."""
        d = self.net(key)
        real = self.pack_input(key, real, "real")
        fake = self.pack_input(key, fake.detach(), "fake")
        loss = self.gan.discriminator_loss(d(self.d_input(real)), d(self.d_input(fake)))
        if self.gan.halves_discriminator_loss and not self.d_loss_halved:
            loss = 2 * loss  # the sum of the two terms, exactly (a power of two)
        if self.gan.needs_gradient_penalty:
            loss = loss + self.cfg.loss.gp_weight * gradient_penalty(self.nets[key], real, fake)
        return loss

    def g_adversarial(self, key: str, fake: torch.Tensor) -> torch.Tensor:
        """The generator's GAN loss on ``fake`` through the frozen discriminator ``key``."""
        return self.gan.generator_loss(self.discriminate(key, fake, "fake", update=False))

    def images_of(self, batch: dict, *keys: str) -> list[torch.Tensor]:
        """Batch tensors on the device (channels_last on CUDA when configured)."""
        channels_last = self.cfg.train.channels_last and self.device.type == "cuda"
        out = []
        for key in keys:
            x = batch[key].to(self.device, non_blocking=True)
            out.append(x.contiguous(memory_format=torch.channels_last) if channels_last else x)
        return out

    def net(self, key: str) -> nn.Module:
        """The module to train with (DDP-wrapped under torchrun, else the plain one)."""
        return self.train_nets.get(key, self.nets[key])

    def backward_and_step(self, loss: torch.Tensor, *optimizer_keys: str) -> None:
        """Zero, backpropagate ``loss`` once, and step each named optimiser."""
        opts = [self.optimizers[k] for k in optimizer_keys if k in self.optimizers]
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            for opt in opts:
                self.scaler.step(opt)
        else:
            loss.backward()
            for opt in opts:
                opt.step()

    # ------------------------------------------------------------------ loss terms
    def build_terms(self, specs: dict, feeds: tuple[str, ...], generator=None,
                    where: str = "loss.terms") -> list:
        """Build translation loss terms (``i2i.losses.terms``) this method can feed.

        A trainable term joins ``self.nets`` as ``term_<key>`` (so checkpoints save and
        resume restore it like a network, and DDP syncs it) with its optimiser in
        ``self.optimizers`` under the same key.
        """
        from i2i.losses.terms import TermContext, build_terms

        built = build_terms(specs, TermContext(self.cfg, self.device, generator), feeds, where)
        for t in built:
            if t.term.trainable:
                key = f"term_{t.key}"
                self.nets[key] = t.term
                opt = t.term.make_optimizer(self.make_adam)
                if opt is not None:
                    self.optimizers[key] = opt
        return built

    def term_keys(self, terms: list) -> list[str]:
        """Optimiser keys of the trainable terms (stepped with the generator's)."""
        return [f"term_{t.key}" for t in terms
                if f"term_{t.key}" in self.optimizers and t.term.steps_with_generator]

    def terms_total(self, terms: list, inputs, logs: dict, suffix: str = "",
                    scale: float = 1.0):
        """``scale * sum(weight * term(inputs))``.

        Each term's own value, unweighted, is logged as key+suffix: a term's curve reads
        the same whatever its weight or the share ``scale`` of its pass, so runs with other
        weights compare. (The CUT authors' logged NCE and NCE_Y are this value times
        lambda_NCE: the same numbers for CUT, 10x for FastCUT.)"""
        total = None
        for t in terms:
            key = f"term_{t.key}"
            # a term with its own step is frozen here, so it goes bare (nothing to sync)
            module = self.net(key) if key in self.nets and t.term.steps_with_generator \
                else t.term
            value = module(inputs)
            logs[t.key + suffix] = value
            weighted = scale * t.weight * value
            total = weighted if total is None else total + weighted
        return total

    def own_term_steps(self, terms: list, inputs, logs: dict) -> None:
        """Each trainable term's own update (LSeSim's contrastive step); the method says when."""
        for t in terms:
            key = f"term_{t.key}"
            if key not in self.optimizers:
                continue
            with self.autocast():
                losses = self.net(key)(inputs, own_step=True)
            if losses:
                logs.update(losses)
                self.backward_and_step(sum(losses.values()), key)

    def translate(self, x: torch.Tensor, direction: str = "AtoB",
                  z: torch.Tensor | None = None) -> torch.Tensor:
        """Translate a batch (NCHW in [-1, 1]) with the generator for ``direction``.

        ``z`` (N, latent_size): the latent codes of a multimodal method, one per image;
        a method without codes takes none (see the module docstring)."""
        if direction not in self.generator_for:
            valid = ", ".join(self.generator_for)
            raise ConfigError(f"{self.name} cannot translate '{direction}'; choose one of: {valid}")
        if z is not None:
            self.require_latents("a latent code z")
        return self.nets[self.generator_for[direction]](x)

    def export_net(self, direction: str = "AtoB") -> nn.Module:
        """One feed-forward module ``x -> translate(x, direction)``, for ``i2i export``.

        By default the direction's generator. A method whose :meth:`translate` chains nets
        returns them composed (``nn.Sequential``); one whose translation is not one forward
        pass (an optimisation, a latent code) raises ConfigError saying why. ``i2i export``
        checks the module against :meth:`translate`, so an override that drifts is caught."""
        if direction not in self.generator_for:
            valid = ", ".join(self.generator_for)
            raise ConfigError(f"{self.name} cannot translate '{direction}'; choose one of: {valid}")
        return self.nets[self.generator_for[direction]]

    # ------------------------------------------------------------------ latent codes
    def require_latents(self, what: str) -> None:
        """A one-line ConfigError when this method has no latent code to use for ``what``."""
        from i2i.errors import ConfigError

        if self.latent_size <= 0:
            raise ConfigError(f"{what} needs a multimodal method (one with a latent code, "
                              f"e.g. bicyclegan); {self.name} makes one output per input")

    def sample_latents(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` codes from the prior, drawn on the CPU from ``generator`` (so a seed gives
        the same codes on every device): N(0, I) unless a method overrides it."""
        self.require_latents("random latent codes")
        return torch.randn(n, self.latent_size, generator=generator)

    def encode_latent(self, y: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """The latent codes (N, latent_size) of example outputs ``y`` of ``direction``
        (a multimodal method's encoder: the mean of its Gaussian)."""
        self.require_latents("encoding a reference image")
        raise NotImplementedError(f"{self.name} has a latent code but no encoder")

    def inference_mode(self) -> None:
        """Put nets in the mode used for translation (eval by default)."""
        for net in self.nets.values():
            net.eval()

    def train_mode(self) -> None:
        for net in self.nets.values():
            net.train()

    def extra_state(self) -> dict:
        """State beyond nets and optimisers that resume needs (image pools, PacGAN's
        stored samples, ...). A subclass adds its own to ``super().extra_state()``."""
        if not self.training:
            return {}
        state = {name: pool.state_dict() for name, pool in self.pools.items()}
        if self.pack > 1:
            state["packs"] = self.packer.state_dict()
        return state

    def load_extra_state(self, state: dict) -> None:
        """Restore :meth:`extra_state`; a subclass calls ``super().load_extra_state``."""
        if not self.training:
            return
        for name, pool in self.pools.items():
            if name in state:
                pool.load_state_dict(state[name], self.device)
        if "packs" in state:
            self.packer.load_state_dict(state["packs"], self.device)
