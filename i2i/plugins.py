"""Plugin manager: built-ins first, then installed entry points (group ``i2i``).

Plugins load only from installed entry points, never from paths or config files.
``I2I_DISABLE_PLUGIN_AUTOLOAD=1`` turns entry-point loading off (tests use it).
To add a built-in module, append its import path to ``BUILTIN_PLUGINS``; it needs only
``@hookimpl`` functions.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from importlib import metadata

import pluggy

from i2i import hookspecs
from i2i.errors import I2IError, PluginError

ENTRY_POINT_GROUP = "i2i"
PROJECT_NAME = "i2i"

BUILTIN_PLUGINS: tuple[str, ...] = (
    "i2i.nets.builtin",
    "i2i.losses.builtin",
    "i2i.methods.builtin",
    "i2i.data.builtin",
    "i2i.data.catalog",
    "i2i.weights",
    "i2i.stylize.weights_entries",
    "i2i.metrics.builtin",
)

REGISTRY_KINDS = (
    "generators",
    "discriminators",
    "losses",
    "methods",
    "datasets",
    "metrics",
    "weights",
)


@dataclass(frozen=True)
class LoadedPlugin:
    """One plugin as ``i2i plugins`` shows it."""

    name: str
    source: str  # "builtin" or the distribution that provides the entry point
    version: str


_manager: pluggy.PluginManager | None = None
_loaded: list[LoadedPlugin] = []
_registries: dict[str, dict[str, object]] = {}


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, created on first use."""
    global _manager
    if _manager is None:
        _manager = _create_manager()
    return _manager


def reset_plugins() -> None:
    """Forget the manager and registries (tests that install plugins call this)."""
    global _manager
    _manager = None
    _loaded.clear()
    _registries.clear()


def loaded_plugins() -> list[LoadedPlugin]:
    get_plugin_manager()
    return list(_loaded)


def _create_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
        _loaded.append(LoadedPlugin(module_name, "builtin", _own_version()))
    if os.environ.get("I2I_DISABLE_PLUGIN_AUTOLOAD", "") not in ("", "0"):
        return pm
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            plugin = ep.load()
        except Exception as err:  # a broken third-party package must not hide the others
            raise PluginError(
                f"plugin '{ep.name}' ({ep.value}) failed to load: {err}; "
                "reinstall or uninstall that package"
            ) from err
        if pm.is_registered(plugin) or pm.has_plugin(ep.name):
            continue
        pm.register(plugin, name=ep.name)
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        _loaded.append(LoadedPlugin(ep.name, dist, version))
    return pm


def _own_version() -> str:
    from i2i import __version__

    return __version__


def get_registry(kind: str) -> dict[str, object]:
    """All names of one kind (``generators``, ``losses``, ...) -> factory, merged.

    Raises PluginError naming both plugins when two register the same name.
    """
    if kind not in REGISTRY_KINDS:
        raise ValueError(f"unknown registry kind {kind!r}")
    if kind in _registries:
        return _registries[kind]
    pm = get_plugin_manager()
    hook = getattr(pm.hook, f"register_{kind}")
    merged: dict[str, object] = {}
    owner: dict[str, str] = {}
    for impl in reversed(hook.get_hookimpls()):  # pluggy lists last-registered first
        provided = impl.function() or {}
        for name, factory in provided.items():
            if name in merged:
                raise PluginError(
                    f"{kind[:-1]} '{name}' is registered by both '{owner[name]}' and "
                    f"'{impl.plugin_name}'; uninstall one of them"
                )
            merged[name] = factory
            owner[name] = impl.plugin_name
    _registries[kind] = merged
    return merged


def lookup(kind: str, name: str) -> object:
    """One registered factory by name, or a one-line error listing the valid names."""
    registry = get_registry(kind)
    if name not in registry:
        valid = ", ".join(sorted(registry)) or "(none)"
        raise UnknownNameError(f"unknown {kind[:-1]} '{name}'; choose one of: {valid}")
    return registry[name]


class UnknownNameError(I2IError):
    """A component, method, metric or dataset name that no plugin registers."""

    exit_code = 2


def add_plugin_commands(app) -> None:
    """Let plugins add subcommands to the Typer app."""
    get_plugin_manager().hook.register_commands(app=app)
