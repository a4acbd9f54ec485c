"""Shared fixtures: isolated I2I_HOME, plugin autoload off, paths to ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

os.environ.setdefault("I2I_DISABLE_PLUGIN_AUTOLOAD", "1")
os.environ.setdefault("I2I_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def _i2i_home(tmp_path_factory):
    """Every test session gets its own cache (toy data, weights) under a temp folder."""
    home = tmp_path_factory.mktemp("i2i_home")
    old = os.environ.get("I2I_HOME")
    os.environ["I2I_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("I2I_HOME", None)
    else:
        os.environ["I2I_HOME"] = old


@pytest.fixture
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is absent on this machine")
    return path


@pytest.fixture
def shared_weights() -> Path:
    path = SHARED / "weights"
    if not path.is_dir():
        pytest.skip("../shared/weights is absent: real pretrained networks unavailable")
    return path


@pytest.fixture
def fresh_plugins():
    """Forget loaded plugins before and after a test that changes them."""
    from i2i.plugins import reset_plugins

    reset_plugins()
    yield
    reset_plugins()


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny nets run faster on one thread, and far faster on a loaded machine."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
