"""Run with the plugin's source importable and i2i's entry-point autoload off."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("I2I_DISABLE_PLUGIN_AUTOLOAD", "1")
