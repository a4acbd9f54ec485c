"""THE plugin contract of i2i.

Every hook returns a ``dict[str, object]`` of *name -> factory* (or a descriptor object), and
i2i merges the dicts of all plugins. Built-ins register through these same hooks, so a
third-party name is a first-class citizen. Two plugins that register the same name are an
error that names both.

To add a new kind of extension: add a ``register_<kind>s`` spec here with a docstring saying
what the factory receives and returns, add ``<kind>`` to ``plugins.REGISTRY_KINDS`` and
register the built-ins of that kind in their package's ``builtin.py``.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("i2i")


@hookspec
def register_generators() -> dict:
    """Generators: ``name -> factory(input_nc, output_nc, **params) -> nn.Module``.

    The module maps images in [-1, 1] of shape (N, input_nc, H, W) to (N, output_nc, H, W).
    Keyword parameters of the factory are what ``generator.params`` may set in a config.
    """


@hookspec
def register_discriminators() -> dict:
    """Discriminators: ``name -> factory(input_nc, **params) -> nn.Module``.

    The module maps (N, input_nc, H, W) to logits of any spatial shape (a patch map).
    """


@hookspec
def register_encoders() -> dict:
    """Image encoders of multimodal methods: ``name -> factory(input_nc, latent_size,
    **params) -> nn.Module``.

    The module maps images (N, input_nc, H, W) in [-1, 1], of any size its method trains
    at, to ``(mu, logvar)``, each (N, latent_size): a diagonal Gaussian over latent codes.
    Keyword parameters are what ``encoder.params`` may set in a config.
    """


@hookspec
def register_losses() -> dict:
    """Losses: ``name -> callable``. GAN losses are ``name -> GANLoss subclass``;
    reconstruction losses are ``name -> fn(pred, target) -> scalar tensor``.
    Names are namespaced by kind: ``gan.<name>`` or ``recon.<name>``.
    """


@hookspec
def register_terms() -> dict:
    """Translation loss terms: ``name -> LossTerm subclass`` (see ``i2i.losses.terms``).

    A term is selected by config, ``loss.terms.<key>: {weight, name, params}``, and is fed
    by the method what its ``needs`` names; it may own parameters and an optimiser.
    """


@hookspec
def register_methods() -> dict:
    """Training methods: ``name -> class`` implementing ``i2i.methods.base.Method``.

    The class also provides ``default_config() -> dict`` (the method's preset overlay).
    """


@hookspec
def register_datasets() -> dict:
    """Dataset catalog entries: ``name -> i2i.data.catalog.DatasetEntry`` (or a builtin
    source, see ``i2i.data.builtin``)."""


@hookspec
def register_metrics() -> dict:
    """Evaluation metrics: ``name -> metric object`` (see ``i2i.metrics``)."""


@hookspec
def register_weights() -> dict:
    """Pretrained networks: ``name -> i2i.weights.WeightsEntry`` (URLs, sha256, file name)."""


@hookspec
def register_models() -> dict:
    """Pretrained translation models: ``name -> i2i.zoo.catalog.ModelEntry`` (method,
    generator config block, channels, direction, download URLs; ``i2i download --model``)."""


@hookspec
def register_callbacks() -> dict:
    """Training callbacks a run selects by name (``--log NAME`` or ``train.log: [NAME]``):
    ``name -> factory(cfg: RunConfig) -> i2i.Callback``, e.g. an experiment tracker.

    The callback runs on rank 0 beside the built-ins, after the log, samples and evaluation
    of each event (so ``ctx.history``, ``ctx.latest_sample`` and ``ctx.metrics`` are
    current) and before the run page. Its ``check(ctx)`` runs before the run folder is
    written: raise an ``I2IError`` there for a missing package or login. A third-party
    callback that raises in any later event is disabled with a warning naming its plugin,
    and the run goes on.
    """


@hookspec
def register_commands(app) -> None:
    """Add Typer subcommands to the ``i2i`` app (``app.command()(fn)``)."""
