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
    "i2i.zoo.catalog",
    "i2i.training.trackers.builtin",
)

# Shell completion needs registered names fast (no torch import): there, each built-in whose
# module imports torch is replaced by a torch-free stand-in registering the same names, or
# left out (None) where no name of its kinds is completed. See ``use_completion_builtins``.
COMPLETION_STANDINS: dict[str, str | None] = {
    "i2i.nets.builtin": None,
    "i2i.losses.builtin": None,
    "i2i.methods.builtin": "i2i.methods.names",
    "i2i.metrics.builtin": "i2i.metrics.names",
    "i2i.training.trackers.builtin": "i2i.training.trackers.names",
}

REGISTRY_KINDS = (
    "generators",
    "discriminators",
    "encoders",
    "losses",
    "terms",
    "methods",
    "datasets",
    "metrics",
    "weights",
    "models",
    "callbacks",
)


@dataclass
class LoadedPlugin:
    """One plugin as ``i2i plugins`` shows it; ``failed`` says why it was switched off."""

    name: str
    source: str  # "builtin" or the distribution that provides the entry point
    version: str
    failed: str = ""


_manager: pluggy.PluginManager | None = None
_loaded: list[LoadedPlugin] = []
_registries: dict[str, dict[str, object]] = {}
_owners: dict[str, dict[str, str]] = {}  # kind -> name -> plugin that registers it
_completion_builtins = False


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
    _owners.clear()


def use_completion_builtins() -> None:
    """For a shell-completion process only: register the torch-free built-in stand-ins.

    The registries then hold every name, but a built-in method's factory is None; nothing
    in such a process trains or translates.
    """
    global _completion_builtins
    if not _completion_builtins:
        reset_plugins()
    _completion_builtins = True


def _builtin_modules() -> list[str]:
    if not _completion_builtins:
        return list(BUILTIN_PLUGINS)
    names = [COMPLETION_STANDINS.get(name, name) for name in BUILTIN_PLUGINS]
    return [name for name in names if name]


def loaded_plugins() -> list[LoadedPlugin]:
    get_plugin_manager()
    return list(_loaded)


def _create_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for module_name in _builtin_modules():
        pm.register(importlib.import_module(module_name), name=module_name)
        _loaded.append(LoadedPlugin(module_name, "builtin", _own_version()))
    if os.environ.get("I2I_DISABLE_PLUGIN_AUTOLOAD", "") not in ("", "0"):
        return pm
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        record = LoadedPlugin(ep.name, dist, version)
        try:
            plugin = ep.load()
            if pm.is_registered(plugin) or pm.has_plugin(ep.name):
                continue
            pm.register(plugin, name=ep.name)
        except (Exception, SystemExit) as err:  # a broken package must not hide the others
            _loaded.append(record)
            _disable(None, record, f"failed to load ({_describe(err)})")
            continue
        _loaded.append(record)
    return pm


def _describe(err: BaseException) -> str:
    if isinstance(err, SystemExit):
        return f"it called sys.exit({err.code!r}) at import"
    text = str(err).strip().splitlines()[0][:160] if str(err).strip() else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _disable(pm: pluggy.PluginManager | None, record: LoadedPlugin, why: str) -> None:
    """Switch a third-party plugin off, say so in one line, and keep the rest working."""
    from i2i.console import warn

    record.failed = why
    if pm is not None and pm.has_plugin(record.name):
        pm.unregister(name=record.name)
        _registries.clear()  # names it gave earlier must go too
    warn(f"plugin '{record.name}' ({record.source}) {why}; it is disabled. Reinstall or "
         "uninstall that package (`i2i plugins` lists it)")


def _third_party(name: str) -> LoadedPlugin | None:
    """The record of the registered third-party plugin called ``name`` (None: a built-in).

    Two entry points may share a name when the first failed to load, so the record taken
    is the newest one of that name: the plugin actually registered.
    """
    found = [p for p in _loaded if p.name == name and p.source != "builtin"]
    return found[-1] if found else None


def _call_hook(pm: pluggy.PluginManager, impl, check, **kwargs):
    """Run one plugin's hook; a third-party failure disables that plugin (None returned).

    ``check(result)`` returns what is wrong with the result, or "" when it is fine.
    """
    record = _third_party(impl.plugin_name)
    args = [kwargs[name] for name in impl.argnames]  # a hook may take fewer than offered
    if record is None:  # built-ins: a failure is a bug and keeps its traceback
        return impl.function(*args)
    hook_name = impl.function.__name__
    try:
        result = impl.function(*args)
        problem = check(result)
    except (Exception, SystemExit) as err:
        _disable(pm, record, f"failed in {hook_name} ({_describe(err)})")
        return None
    if problem:
        _disable(pm, record, f"returned {problem} from {hook_name}")
        return None
    return result


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
        provided = _call_hook(pm, impl, _not_a_name_mapping)
        if not pm.has_plugin(impl.plugin_name):
            return get_registry(kind)  # it was just disabled: merge again without it
        for name, factory in (provided or {}).items():
            if name in merged:
                raise PluginError(
                    f"{kind[:-1]} '{name}' is registered by both '{owner[name]}' and "
                    f"'{impl.plugin_name}'; uninstall one of them"
                )
            merged[name] = factory
            owner[name] = impl.plugin_name
    _registries[kind] = merged
    _owners[kind] = owner
    return merged


def provider(kind: str, name: str) -> LoadedPlugin | None:
    """The third-party plugin that registers ``name`` of ``kind``; None for a built-in."""
    get_registry(kind)
    return _third_party(_owners.get(kind, {}).get(name, ""))


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


def _not_a_name_mapping(result) -> str:
    if result is None:
        return ""
    if not isinstance(result, dict) or not all(isinstance(k, str) for k in result):
        return f"a {type(result).__name__} instead of a dict of names"
    return ""


def add_plugin_commands(app) -> None:
    """Let plugins add subcommands to the Typer app (a failing one is disabled, not fatal)."""
    pm = get_plugin_manager()
    for impl in reversed(pm.hook.register_commands.get_hookimpls()):
        _call_hook(pm, impl, lambda result: "", app=app)
