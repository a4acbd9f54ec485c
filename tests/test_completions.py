from __future__ import annotations

import importlib.util
from pathlib import Path

COMPLETIONS = Path(__file__).resolve().parents[1] / "completions"


def test_checked_in_completion_scripts_match_the_generator():
    spec = importlib.util.spec_from_file_location("gen", COMPLETIONS / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for shell, name in gen.SHELLS.items():
        expected = gen.script(shell).rstrip("\n") + "\n"
        assert (COMPLETIONS / name).read_text() == expected, "rerun completions/generate.py"
        assert "_I2I_COMPLETE" in expected


def test_completion_callback_offers_subcommands(monkeypatch, capsys):
    import pytest

    from i2i.cli.main import app

    monkeypatch.setenv("_I2I_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "i2i tra")
    monkeypatch.setenv("COMP_CWORD", "1")
    with pytest.raises(SystemExit):
        app(prog_name="i2i")
    offered = capsys.readouterr().out.split()
    assert "train" in offered and "translate" in offered and "plugins" not in offered


# --- completion of names from the registries, without torch ------------------------------

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

REPO = COMPLETIONS.parent
# What the shell runs on a Tab (the console script is `i2i`, so the program name is i2i);
# the child reports on stderr whether torch got imported.
_CHILD = """
import sys
sys.argv[0] = "i2i"
from i2i.cli.main import run
try:
    run()
finally:
    print("TORCH" if "torch" in sys.modules else "NO-TORCH", file=sys.stderr)
"""


def _complete(words: str, cwd: Path) -> tuple[list[str], str, float]:
    """Ask for completions of the last word of ``words`` as bash does; (offered, stderr,
    the child's CPU seconds)."""
    n = len(words.split()) + (1 if words.endswith(" ") else 0)
    env = {**os.environ, "_I2I_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(n - 1), "PYTHONPATH": str(REPO)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout.split(), done.stderr, cpu


def test_tab_completes_names_from_the_registries_without_importing_torch(tmp_path):
    (tmp_path / "builtin_photos").mkdir()  # a folder --data may name, offered beside builtin:
    cases = {
        "i2i train cy": {"cyclegan", "cyclegan_nst", "cyclegan_vae"},
        "i2i evaluate --metric fid,k": {"fid,kid"},
        "i2i export runs/x --format o": {"onnx"},
        "i2i download --model horse": {"horse2zebra"},
        "i2i download fac": {"facades"},
        "i2i train cyclegan --data builtin": {"builtin:toy", "builtin:toy_paired",
                                              "builtin_photos/"},
        "i2i download --weights incep": {"inception-fid"},
        "i2i train cyclegan --log tensorboard,w": {"tensorboard,wandb"},
    }
    cpus = []
    for words, expected in cases.items():
        offered, stderr, cpu = _complete(words, tmp_path)
        assert set(offered) == expected, (words, offered, stderr)
        assert "NO-TORCH" in stderr, f"{words!r}: the completion path imported torch"
        cpus.append(cpu)
    # Measured on the 2-core dev machine: 0.24-0.31 s of CPU a Tab (most of it typer,
    # rich and pydantic, which typer imports); importing torch alone costs about 2 s.
    assert min(cpus) < 1.0, cpus


_NAMES_CHILD = """
import json, sys
from i2i.plugins import get_registry, use_completion_builtins
use_completion_builtins()
kinds = ("methods", "metrics", "datasets", "models", "weights", "callbacks")
print(json.dumps({k: sorted(get_registry(k)) for k in kinds}))
print("TORCH" if "torch" in sys.modules else "NO-TORCH", file=sys.stderr)
"""


def test_completion_stand_ins_register_exactly_the_built_in_names():
    """The torch-free stand-ins (methods/names.py, metrics/names.py, trackers/names.py)
    must list what the real built-ins register: a method added to one only fails here."""
    from i2i.cli.completion import EXPORT_FORMATS
    from i2i.export.formats import FORMATS
    from i2i.plugins import get_registry

    env = {**os.environ, "I2I_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _NAMES_CHILD], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert "NO-TORCH" in done.stderr
    light = json.loads(done.stdout)
    for kind, names in light.items():
        assert names == sorted(get_registry(kind)), kind
    assert tuple(FORMATS) == EXPORT_FORMATS
