"""Errors the `govwatch` command turns into one clear line and an exit code (govwatch.cli)."""

from __future__ import annotations


class RunFailed(Exception):
    """The run cannot be trusted (writes lost): it is marked failed and never checked. Exit 1."""


class NotCheckable(ValueError):
    """`check` asked for a run that does not exist or was not crawled to its end. Exit 2."""


class Interrupted(BaseException):
    """SIGTERM or SIGINT: the run stopped where it was and is left aborted. Exit 1. A
    BaseException, like KeyboardInterrupt: no `except Exception` on the way may swallow it."""

    def __init__(self, signum: int) -> None:
        import signal

        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")
