"""``i2i plugins``: what is loaded, built-in and third-party, and what each registers."""

from __future__ import annotations

import typer
from rich.table import Table

from i2i.console import out


def plugins(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every registered name."),
) -> None:
    """List loaded plugins and the names they register.

    Examples:

        i2i plugins

        i2i plugins --verbose
    """
    from i2i.plugins import REGISTRY_KINDS, get_plugin_manager, get_registry, loaded_plugins

    table = Table(title="i2i plugins")
    table.add_column("plugin")
    table.add_column("source")
    table.add_column("version")
    table.add_column("registers")
    from i2i.errors import PluginError

    conflict = None
    for kind in REGISTRY_KINDS:
        try:  # runs every hook, so a failing plugin is marked before the table is drawn
            get_registry(kind)
        except PluginError as err:  # two plugins, one name: show the table, then say so
            conflict = conflict or err
    pm = get_plugin_manager()
    for plugin in loaded_plugins():
        if plugin.failed:
            table.add_row(plugin.name, plugin.source, plugin.version,
                          f"[red]failed[/]: {plugin.failed}")
            continue
        module = pm.get_plugin(plugin.name)
        provided = []
        for kind in REGISTRY_KINDS:
            fn = getattr(module, f"register_{kind}", None)
            names = list((fn() or {}).keys()) if callable(fn) else []
            if names:
                provided.append(f"{kind}: {', '.join(names) if verbose else len(names)}")
        table.add_row(plugin.name, plugin.source, plugin.version, "; ".join(provided) or "-")
    out.print(table)
    if conflict is not None:
        raise conflict
