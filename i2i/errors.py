"""User-facing errors: one clear line each, with a documented exit code.

Library code raises these for user mistakes (bad input, bad config, missing files); the CLI
prints the message in red and exits with ``exit_code``. Anything else is a bug and keeps its
traceback. To add a kind of error, subclass :class:`I2IError`, give it the next free exit
code and add it to the table in README.md ("Exit codes").
"""

from __future__ import annotations


class I2IError(Exception):
    """Base class: a mistake the user can fix. ``str(err)`` is the one line shown."""

    exit_code = 1


class ConfigError(I2IError):
    """Unknown key, wrong type or invalid value in a config, preset or --set override."""

    exit_code = 2


class DataError(I2IError):
    """Missing or empty data folder, unreadable or unusable image, bad dataset layout."""

    exit_code = 3


class CheckpointError(I2IError):
    """Missing run or checkpoint, or one from another method or architecture."""

    exit_code = 4


class WeightsError(I2IError):
    """Pretrained network missing offline, or its file fails its checksum."""

    exit_code = 5


class DownloadError(I2IError):
    """Network failure, checksum mismatch, unsafe or truncated archive."""

    exit_code = 6


class PluginError(I2IError):
    """Two plugins register the same name, or a plugin fails to load."""

    exit_code = 7


class OutputError(I2IError):
    """An output cannot be written: folder missing or read-only, a file in the way, disk full."""

    exit_code = 1


class PartialFailure(I2IError):
    """Batch work finished, but some items failed; they were listed before this line."""

    exit_code = 8


class ExportError(I2IError):
    """A model cannot be exported: an op the format lacks, the exported file disagrees with
    PyTorch beyond the tolerance, or the format's optional packages are not installed."""

    exit_code = 9


class RunComplete(I2IError):
    """``--resume`` of a run that has already reached its last step: nothing to do.

    Not a failure: ``i2i train`` reports it and exits 0, so a script can resume in a loop.
    """

    exit_code = 0


class Interrupted(I2IError):
    """The user pressed Ctrl-C; whatever could be saved was saved."""

    exit_code = 130
