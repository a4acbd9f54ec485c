"""The "source of truth" tables in docs/methods/*.md state i2i's defaults beside the
authors'; these tests hold the i2i column to the resolved preset config, so the docs cannot
drift from the code.

A table follows a ``<!-- source-of-truth: METHOD -->`` line; its columns are setting,
config key, official value, i2i value, note. A row whose config key is a backticked dotted
path (``optim.lr``) is checked: its i2i cell is a backticked YAML value that must equal
what ``i2i train METHOD`` resolves for that key (a folder of data, no overrides), or, for a
key the preset leaves out, the method's ``options`` default or the registered network
factory's parameter default. A row keyed ``-`` describes something no setting holds (a
network's structure) and is not checked.

Guards against: a default changed in a preset YAML, a method's options or a factory
signature without its docs, a documented key that no longer exists, and a built-in method
without a table.
"""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import pytest
import yaml

from i2i.methods.builtin import register_methods
from i2i.plugins import get_registry, lookup
from i2i.runs import resolve_train_config

DOCS = Path(__file__).resolve().parent.parent / "docs" / "methods"
MARKER = re.compile(r"<!--\s*source-of-truth:\s*(\w+)\s*-->")
CODE = re.compile(r"^`([^`]*)`$")
COLUMNS = ["setting", "config key", "official", "i2i", "note"]
REGISTRIES = {"generator": "generators", "discriminator": "discriminators",
              "encoder": "encoders"}
MISSING = object()


def cells(line: str) -> list[str]:
    """The cells of one Markdown table row (a pipe inside backticks is not a separator)."""
    parts, cur, in_code = [], "", False
    for ch in line.strip().strip("|"):
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def tables() -> dict[str, list[list[str]]]:
    """method -> its table's body rows, from every page in docs/methods."""
    out: dict[str, list[list[str]]] = {}
    for page in sorted(DOCS.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            found = MARKER.fullmatch(line.strip())  # a line of its own, not prose
            if not found:
                continue
            method = found.group(1)
            assert method not in out, f"{method} has two tables ({page.name})"
            rows = []
            for row in lines[i + 1:]:
                if not row.strip().startswith("|"):
                    if rows:
                        break
                    continue
                rows.append(cells(row))
            header, rule, *body = rows
            assert [c.lower() for c in header] == COLUMNS, (page.name, method, header)
            assert all(set(c) <= set("-: ") for c in rule), (page.name, method)
            out[method] = body
    return out


TABLES = tables()


def resolved(method: str) -> dict:
    """What ``i2i train METHOD --data FOLDER`` resolves, with no overrides."""
    cfg = resolve_train_config(method, None, None, {"data": {"root": "some/folder"}}, [])
    return cfg.to_dict()


def value_at(method: str, cfg: dict, key: str):
    """The resolved value of a dotted ``key``, falling back to the method's ``options``
    default and to the registered factory's parameter default; MISSING if none has it."""
    node = cfg
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            node = MISSING
            break
        node = node[part]
    if node is not MISSING:
        return node
    head, *rest = key.split(".")
    if head == "options" and len(rest) == 1:
        return lookup("methods", method).options.get(rest[0], MISSING)
    if head in REGISTRIES and len(rest) == 2 and rest[0] == "params":
        factory = get_registry(REGISTRIES[head]).get(cfg[head]["name"])
        if factory is not None:
            param = inspect.signature(factory).parameters.get(rest[1])
            if param is not None and param.default is not inspect.Parameter.empty:
                return param.default
    return MISSING


def same(documented, actual) -> bool:
    if isinstance(documented, bool) or isinstance(actual, bool):
        return documented is actual
    if isinstance(documented, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(documented, actual, rel_tol=1e-9, abs_tol=0.0)
    if isinstance(documented, list) and isinstance(actual, (list, tuple)):
        return len(documented) == len(actual) and all(
            same(d, a) for d, a in zip(documented, actual, strict=True))
    return documented == actual


def test_every_builtin_method_has_a_source_of_truth_table():
    missing = sorted(set(register_methods()) - set(TABLES))
    assert not missing, f"no source-of-truth table in docs/methods for: {missing}"
    unknown = sorted(set(TABLES) - set(register_methods()))
    assert not unknown, f"tables for methods that do not exist: {unknown}"


@pytest.mark.parametrize("method", sorted(TABLES))
def test_the_i2i_column_is_the_resolved_default(method):
    cfg = resolved(method)
    checked, wrong = 0, []
    for row in TABLES[method]:
        assert len(row) == len(COLUMNS), (method, row)
        setting, key_cell, _, i2i_cell, _ = row
        if key_cell in ("-", "—"):
            continue
        key = CODE.match(key_cell)
        value = CODE.match(i2i_cell)
        assert key and value, f"{method} '{setting}': key and i2i value must be `code`"
        documented = yaml.safe_load(value.group(1))
        actual = value_at(method, cfg, key.group(1))
        if actual is MISSING or not same(documented, actual):
            wrong.append(f"{key.group(1)}: docs {documented!r}, config "
                         f"{'(no such key)' if actual is MISSING else repr(actual)}")
        checked += 1
    assert checked >= 8, f"{method}'s table checks only {checked} settings"
    assert not wrong, f"{method}: " + "; ".join(wrong)


def test_a_changed_default_is_caught():
    """The comparison is not vacuous: a value other than the resolved one fails it."""
    cfg = resolved("cyclegan")
    assert same(0.0002, value_at("cyclegan", cfg, "optim.lr"))
    assert not same(0.0001, value_at("cyclegan", cfg, "optim.lr"))
    assert value_at("cyclegan", cfg, "optim.no_such_key") is MISSING
    assert value_at("cut", resolved("cut"), "generator.params.up_filter") in (3, 4)
