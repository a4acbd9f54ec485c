"""``python -m i2i`` works like ``i2i``."""

from i2i.cli.main import run

if __name__ == "__main__":
    run()
