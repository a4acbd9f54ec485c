"""`i2i download --list` / `--list-models`: one line per entry at 80 columns, -v, --json;
`i2i download --model` through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from download_server import FileServer
from typer.testing import CliRunner

from i2i.cli.main import app
from i2i.data import download
from i2i.data.catalog import catalog as dataset_catalog
from i2i.zoo.catalog import catalog as model_catalog

runner = CliRunner()
LISTINGS = {"--list": dataset_catalog, "--list-models": model_catalog}


def _run_at(columns: int, *args: str) -> str:
    env = dict(os.environ, COLUMNS=str(columns))
    done = subprocess.run([sys.executable, "-m", "i2i", "download", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.mark.parametrize("option", sorted(LISTINGS))
def test_listing_at_80_columns_has_one_unwrapped_line_per_entry(option):
    """Guards against the old table that wrapped each row over five lines at 80 columns."""
    lines = _run_at(80, option).splitlines()
    names = sorted(LISTINGS[option]())
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    assert len(lines) == len(names) + 2  # title, header, then one line per entry
    assert [line.split()[0] for line in lines[2:]] == names  # names whole, in order
    assert lines[1].split() == (["name", "task", "size", "description"] if option == "--list"
                                else ["name", "method", "translates", "size", "description"])


def test_dataset_sizes_are_published_bytes_or_a_question_mark():
    rows = {line.split()[0]: line for line in _run_at(80, "--list").splitlines()[2:]}
    assert "116.9 MB" in rows["horse2zebra"]  # 116867962 bytes (TFDS checksums)
    assert rows["edges2shoes"].split()[2] == "?"  # nobody publishes it: not invented
    assert rows["celeba"].split()[2] == "manual"


@pytest.mark.parametrize("option", sorted(LISTINGS))
def test_verbose_listing_adds_licence_and_url_of_every_entry(option):
    result = runner.invoke(app, ["download", option, "-v"])
    assert result.exit_code == 0, result.output
    for entry in LISTINGS[option]().values():
        assert entry.licence in result.output
        if entry.urls:
            assert entry.urls[0] in result.output


def test_datasets_as_json_carry_every_field_with_stable_keys():
    result = runner.invoke(app, ["download", "--list", "--json"])
    records = {r["name"]: r for r in json.loads(result.output)}
    assert set(records) == set(dataset_catalog())
    assert set(records["horse2zebra"]) == {
        "name", "task", "layout", "description", "size", "size_source", "licence",
        "citation", "home", "urls", "downloadable", "manual"}
    assert records["horse2zebra"]["size"] == 116867962
    assert records["facades"]["size"] is None
    assert records["facades"]["urls"] == [
        "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz"]


def test_models_as_json_carry_what_the_importer_needs():
    result = runner.invoke(app, ["download", "--list-models", "--json"])
    records = {r["name"]: r for r in json.loads(result.output)}
    assert set(records) == set(model_catalog())
    cut = records["cut-horse2zebra"]
    assert cut["method"] == "cut" and cut["source"] == "cut"
    assert cut["generator"]["params"]["sampling"] == "antialias"
    assert (cut["input_nc"], cut["output_nc"], cut["direction"]) == (3, 3, "AtoB")
    assert cut["translates"] == "horse -> zebra" and cut["licence"]
    assert cut["urls"] == ["http://efrosgans.eecs.berkeley.edu/CUT/pretrained_models.tar"]


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    monkeypatch.setenv("I2I_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("I2I_OFFLINE", "0")
    srv = FileServer().start()
    srv.files["/cyclegan/pretrained_models/zebra2horse.pth"] = b"generator" * 1000
    yield srv
    srv.stop()


def test_download_model_from_mirror_then_again_says_already_there(server):
    args = ["download", "--model", "zebra2horse", "--mirror", server.url, "-q"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "ready zebra2horse" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "already there zebra2horse" in again.output


def test_unknown_model_is_one_line_with_close_matches_and_exit_code_2(server):
    result = runner.invoke(app, ["download", "--model", "zebra2hrose"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1, result.output
    assert "unknown model 'zebra2hrose'; did you mean zebra2horse" in result.output
    assert server.requests == []


@pytest.mark.parametrize("args", [["--model", "horse2zebra", "facades"],
                                  ["--list", "--list-models"], ["--list-models", "horse2zebra"],
                                  ["--weights", "x", "--model", "y"]])
def test_two_jobs_in_one_download_call_are_a_usage_error(args):
    result = CliRunner().invoke(app, ["download", *args])
    assert result.exit_code == 2
    assert "separate jobs" in result.output
