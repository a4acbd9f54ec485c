"""Ctrl-C that waits for the step boundary, so a checkpoint never holds half a step.

A step updates D, then G (or the other way round) and several optimisers; a checkpoint
taken in the middle would hold some of them one step ahead of the rest, and the resumed run
would differ from an uninterrupted one. So the first SIGINT only asks to stop; the loop
checks :attr:`DeferredInterrupt.requested` after each whole step, saves and stops. A second
Ctrl-C stops at once, without saving (the previous checkpoint stays the newest).
"""

from __future__ import annotations

import signal
import threading


class DeferredInterrupt:
    """Context manager: while active, SIGINT sets ``requested`` instead of raising."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = None
        self._installed = False

    def __enter__(self) -> DeferredInterrupt:
        # signal handlers can only be set from the main thread (tests may train in others);
        # an ignored SIGINT (a job started with `&`) stays ignored
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt  # pressed twice: the user wants out now
        self.requested = True

    def __exit__(self, *exc) -> None:
        if self._installed:
            # None: the old handler was not set from Python; the default is the best guess
            signal.signal(signal.SIGINT, self._previous if self._previous is not None
                          else signal.SIG_DFL)
            self._installed = False
