"""The image sides a network takes, checked before training in one line.

A network that halves its input ``n`` times needs sides that are multiples of ``2**n`` (or
its skips and upsampled maps misalign) and large enough that the smallest map still takes
its reflection padding. Call :func:`check_side` with the crop size from a method's
constructor; the error names the nearest sizes that work.
"""

from __future__ import annotations

from i2i.errors import ConfigError


def valid_sides(size: int, multiple: int, minimum: int) -> tuple[int, int]:
    """The nearest valid sides at or below and above ``size`` (the same when it is valid)."""
    floor = -(-minimum // multiple) * multiple  # the smallest valid side
    below = max(floor, size // multiple * multiple)
    above = max(floor, -(-size // multiple) * multiple)
    return below, above


def check_side(size: int, multiple: int, minimum: int, what: str,
               where: str = "data.crop_size") -> None:
    """ConfigError unless ``size`` is a multiple of ``multiple`` and at least ``minimum``."""
    if size % multiple == 0 and size >= minimum:
        return
    below, above = valid_sides(size, multiple, minimum)
    nearest = f"{below}" if below == above else f"{below} or {above}"
    floor = -(-minimum // multiple) * multiple
    raise ConfigError(f"{what}: image sides must be multiples of {multiple} px and at least "
                      f"{floor} (e.g. {nearest}); {where} is {size}")
