"""The docs' examples run: every block marked runnable in README.md and docs/ is executed.

A fenced ``bash`` or ``python`` block on the line after ``<!-- runnable -->`` is runnable
(docs/development.md, "How this site is made"). The blocks of one page run in order in one
temporary folder, so a page may train a run in one block and use it in the next: ``i2i``
command lines in-process through the Typer app (one torch import for all), other shell
lines with bash, Python blocks with ``exec``. Any non-zero exit or exception fails the
page's test, so a snippet that breaks fails CI. The runnable examples are tiny by design
(builtin:toy, 32 px, 2 steps); ``SUBSTITUTIONS`` lists the only rewrites, each for a
documented reason.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARK = "<!-- runnable -->"
FENCE = re.compile(r"^```(bash|python)\s*$")

# (page, text, replacement). The README's Quickstart is the real first run (64 px, 3 epochs,
# about 1.5 minutes, after a pip install); here it runs at the docs' tiny sizes instead.
SUBSTITUTIONS = (
    ("README.md", "pip install -e . && ", ""),
    ("README.md", "--size 64 --epochs 3", "--size 32 --max-steps 2"),
)


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def runnable_blocks(page: Path) -> list[tuple[str, str, int]]:
    """(language, code, line number) of each marked block; a mark without a bash or
    python fence on the next line is an error (it would silently test nothing)."""
    lines = page.read_text().splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        fence = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
        if fence is None:
            raise AssertionError(f"{page.name}:{i + 1}: {MARK} must be followed by a "
                                 "```bash or ```python fence")
        end = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
        blocks.append((fence.group(1), "\n".join(lines[i + 2:end]), i + 3))
    return blocks


def _pages_with_blocks() -> list[Path]:
    return [page for page in _pages() if runnable_blocks(page)]


def _substitute(page: Path, code: str) -> str:
    for name, old, new in SUBSTITUTIONS:
        if page == ROOT / name:
            code = code.replace(old, new)
    return code


def _shell_lines(code: str) -> list[str]:
    """Logical lines: continuations joined, blank and comment-only lines dropped."""
    joined = re.sub(r"\\\n", " ", code)
    return [line for line in joined.splitlines() if line.strip() and
            not line.lstrip().startswith("#")]


def _run_i2i(command: str, where: str) -> None:
    from typer.testing import CliRunner

    from i2i.cli.main import app

    args = shlex.split(command, comments=True)[1:]  # drop the leading "i2i"
    result = CliRunner().invoke(app, args)
    if result.exit_code != 0:
        trace = "".join(traceback.format_exception(result.exception)) if result.exception \
            and not isinstance(result.exception, SystemExit) else ""
        pytest.fail(f"{where}: `{command}` exited {result.exit_code}\n{result.output}\n{trace}")


def _run_bash_block(code: str, where: str) -> None:
    for line in _shell_lines(code):
        for command in line.split(" && "):
            command = command.strip()
            if command.startswith("i2i "):
                _run_i2i(command, where)
                continue
            done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                                  env=os.environ.copy(), timeout=120)
            if done.returncode != 0:
                pytest.fail(f"{where}: `{command}` exited {done.returncode}\n"
                            f"{done.stdout}{done.stderr}")


def test_every_runnable_mark_has_a_block_and_the_key_examples_are_marked():
    counts = {page.relative_to(ROOT).as_posix(): len(runnable_blocks(page))
              for page in _pages()}
    # The first run of a newcomer and the examples the issue found broken must stay tested.
    assert counts["README.md"] >= 2
    assert counts["docs/getting-started.md"] >= 1
    export = "\n".join(code for _, code, _ in runnable_blocks(ROOT / "docs/commands/export.md"))
    assert "onnxruntime" in export and "np.round" in export
    for name, old, _ in SUBSTITUTIONS:  # a substitution that no longer applies is stale
        assert any(old in code for _, code, _ in runnable_blocks(ROOT / name)), (name, old)


@pytest.mark.parametrize("page", _pages_with_blocks(),
                         ids=lambda page: page.relative_to(ROOT).as_posix())
def test_runnable_blocks_of_page_run(page: Path, tmp_path, monkeypatch, one_torch_thread):
    monkeypatch.chdir(tmp_path)
    for language, code, line in runnable_blocks(page):
        where = f"{page.relative_to(ROOT)}:{line}"
        code = _substitute(page, code)
        if language == "bash":
            _run_bash_block(code, where)
        else:
            try:
                exec(compile(code, where, "exec"), {"__name__": "__docs__"})
            except Exception:
                pytest.fail(f"{where}: the Python block raised\n{traceback.format_exc()}")
