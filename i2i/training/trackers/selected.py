"""The callbacks a run names in ``train.log``, built from the ``callbacks`` registry."""

from __future__ import annotations

from rich.markup import escape

from i2i.config import RunConfig
from i2i.console import warn
from i2i.errors import I2IError
from i2i.plugins import LoadedPlugin, _describe, lookup, provider
from i2i.training.callbacks import Callback


def tracker_callbacks(cfg: RunConfig) -> list[Callback]:
    """One callback per name in ``cfg.train.log``, in that order.

    A third-party one is wrapped in :class:`PluginCallback`: a failure of a logger must
    not cost a training run, so it is disabled with a warning and the run goes on.
    """
    callbacks: list[Callback] = []
    for name in cfg.train.log:
        factory = lookup("callbacks", name)
        plugin = provider("callbacks", name)
        if plugin is None:  # built-in: a failure is a bug and keeps its traceback
            callbacks.append(factory(cfg))
            continue
        guarded = PluginCallback(None, name, plugin)
        guarded.inner = guarded.call("factory", factory, cfg)
        callbacks.append(guarded)
    return callbacks


class PluginCallback(Callback):
    """A third-party callback whose exceptions switch it off (one warning) instead of
    ending the run. An ``I2IError`` from its ``check`` still stops the start: that is how
    it says a package or login is missing before any work."""

    def __init__(self, inner: Callback | None, name: str, plugin: LoadedPlugin) -> None:
        self.inner, self.name, self.plugin = inner, name, plugin

    def call(self, event: str, function, *args):
        if function is None:  # the plugin's object does not handle this event
            return None
        try:
            return function(*args)
        except Exception as err:
            if isinstance(err, I2IError) and event in ("factory", "check"):
                raise
            self.disable(event, err)
        return None

    def disable(self, event: str, err: BaseException) -> None:
        self.inner = None
        warn(escape(f"logger '{self.name}' from plugin '{self.plugin.name}' "
                    f"({self.plugin.source}) failed in {event} ({_describe(err)}); it is "
                    "disabled and the run goes on"))

    def _event(self, event: str, *args) -> None:
        if self.inner is not None:
            self.call(event, getattr(self.inner, event, None), *args)

    def check(self, ctx):
        self._event("check", ctx)

    def on_start(self, ctx):
        self._event("on_start", ctx)

    def on_step(self, ctx, losses):
        self._event("on_step", ctx, losses)

    def on_epoch_end(self, ctx):
        self._event("on_epoch_end", ctx)

    def on_checkpoint(self, ctx, path):
        self._event("on_checkpoint", ctx, path)

    def on_end(self, ctx):
        self._event("on_end", ctx)
