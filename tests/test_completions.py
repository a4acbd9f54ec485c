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
