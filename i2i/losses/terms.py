"""Translation loss terms: the one contract for everything a method adds to its generator
objective beyond the GAN criterion.

A term is an ``nn.Module`` built from config, told which inputs it needs, that may own
trainable parameters (MLP heads, learned attention) with an optimiser of their own, and
whose state the checkpoint saves and resume restores like a network's (the method keeps a
trainable term in ``method.nets`` under ``term.<key>``). A method feeds a term
:class:`TermInputs` and adds ``weight * term(inputs)`` to its loss.

Config: ``loss.terms.<key>: {weight: w, name: registered-name, params: {...}}``; the weight
must be given (so setting a term's params alone never switches it on), ``name`` defaults
to the key, ``params`` are checked against the term's ``__init__``. Every method
feeds the terms a user adds the *translation* of each of its directions: ``source`` (the
input), ``result`` (its translation), ``generator`` (the translating network, for terms
that need its features) and, for unpaired methods, ``reference`` (the batch of real images
of the domain translated into, for terms that compare statistics such as style). Methods
also compose terms of their own (CycleGAN's ``cycle`` and
``identity``, pix2pix's ``recon``) and feed those ``result``/``target`` pairs.
A method with a latent code also feeds ``mu``/``logvar`` (its encoder's Gaussian) and
``latent``/``latent_target`` (a code recovered from a translation, and the code it was made
from); the unit-variance latent-space methods (UNIT, ``cyclegan_vae``) feed ``mu`` alone,
a latent map, to their ``kl`` terms.

To add a term: subclass :class:`LossTerm`, set ``needs``, implement ``loss(inputs) ->
scalar`` and, if it learns, ``trainable = True`` (its parameters get an Adam with the
method's settings unless ``make_optimizer`` says otherwise); register it with
``register_terms() -> {"name": cls}`` from any plugin.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import torch
from torch import nn

from i2i.config import check_factory_params
from i2i.errors import ConfigError


@dataclass
class TermInputs:
    """What a method hands a term for one direction (unused fields stay None)."""

    source: torch.Tensor | None = None  # the image that was translated
    result: torch.Tensor | None = None  # its translation (or reconstruction)
    target: torch.Tensor | None = None  # what ``result`` should equal, for pixel terms
    generator: nn.Module | None = None  # the translating network (for feature terms)
    reference: torch.Tensor | None = None  # real images of ``result``'s domain (style)
    # latent codes, fed by methods that have them (BicycleGAN):
    mu: torch.Tensor | None = None  # mean of the encoder's Gaussian q(z | target), (N, nz)
    # (or a latent map, (N, C, H, W), for UNIT and cyclegan_vae)
    logvar: torch.Tensor | None = None  # its log-variance, (N, nz)
    latent: torch.Tensor | None = None  # a code recovered from ``result`` by an encoder
    latent_target: torch.Tensor | None = None  # the code ``result`` was made from
    direction: str = "AtoB"
    cache: dict = field(default_factory=dict)  # features computed once, shared by terms


@dataclass
class TermContext:
    """What a term may read while it is built."""

    cfg: Any  # RunConfig
    device: torch.device
    generator: nn.Module | None = None  # a network of the kind the term will be fed
    where: str = "loss.terms.<key>"  # the term's config path, for its error messages


class LossTerm(nn.Module):
    """Base class of a translation loss term (see the module docstring)."""

    needs: ClassVar[tuple[str, ...]] = ("source", "result")
    trainable: ClassVar[bool] = False

    def __init__(self, ctx: TermContext) -> None:
        super().__init__()
        self.device = ctx.device

    def forward(self, inputs: TermInputs, own_step: bool = False):
        """The term's value (unweighted); with ``own_step``, the losses of its own update.

        One entry point for both, so a trainable term wrapped in DDP syncs its gradients
        whichever it computes."""
        return self.own_losses(inputs) if own_step else self.loss(inputs)

    def loss(self, inputs: TermInputs) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def own_losses(self, inputs: TermInputs) -> dict[str, torch.Tensor]:
        """Losses that update the term's own parameters alone (e.g. LSeSim's contrastive
        step), stepped by its optimiser after the generator's; most terms have none."""
        return {}

    def make_optimizer(self, make_adam) -> torch.optim.Optimizer | None:
        """The optimiser of a trainable term: Adam with the method's settings."""
        return make_adam(self) if self.trainable else None

    @property
    def steps_with_generator(self) -> bool:
        """Whether the generator's loss also trains this term's parameters (PatchNCE's
        heads: yes). A term with an own step (LSeSim) says no: its parameters are frozen
        in the generator's pass and learn from its own losses alone."""
        return True


@dataclass
class BuiltTerm:
    key: str
    weight: float
    term: LossTerm


def term_class(name: str) -> type[LossTerm]:
    from i2i.plugins import lookup

    return lookup("terms", name)


def build_terms(specs: dict, ctx: TermContext, feeds: tuple[str, ...],
                where: str = "loss.terms") -> list[BuiltTerm]:
    """Build ``specs`` (``{key: {weight, name, params}}``) for a method that feeds
    ``feeds``; a term that needs more is refused in one line before training starts."""
    built = []
    for key, spec in (specs or {}).items():
        spec = _check_spec(key, spec, where)
        if spec["weight"] == 0:
            continue  # switched off: not built, not computed
        cls = term_class(spec.get("name", key))
        missing = [n for n in cls.needs if n not in feeds]
        if missing:
            raise ConfigError(f"{where}.{key} needs {', '.join(missing)}, which "
                              f"{ctx.cfg.method} does not feed its terms (it feeds: "
                              f"{', '.join(feeds)})")
        params = spec.get("params", {})
        check_factory_params(cls, params, f"{where}.{key}", skip=1)
        term_ctx = replace(ctx, where=f"{where}.{key}")
        built.append(BuiltTerm(key, float(spec["weight"]),
                               cls(term_ctx, **params).to(ctx.device)))
    return built


def _check_spec(key: str, spec: Any, where: str) -> dict:
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = {"weight": spec}  # loss.terms.scl=10 is shorthand for its weight
    if not isinstance(spec, dict):
        raise ConfigError(f"'{where}.{key}' must be a mapping with weight/name/params, "
                          f"got {spec!r}")
    unknown = [k for k in spec if k not in ("weight", "name", "params")]
    if unknown:
        raise ConfigError(f"unknown setting '{where}.{key}.{unknown[0]}'; valid keys here: "
                          "weight, name, params")
    if "weight" not in spec:  # setting only params must not switch a term on at weight 1
        raise ConfigError(f"'{where}.{key}' has no weight; set {where}.{key}.weight "
                          "(0 turns it off)")
    weight = spec["weight"]
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
        raise ConfigError(f"'{where}.{key}.weight' is {weight!r}; it must be a number >= 0")
    if not isinstance(spec.get("params", {}), dict):
        raise ConfigError(f"'{where}.{key}.params' must be a mapping")
    return {**spec, "weight": weight}
