"""A tiny progress hook: steps report, whoever runs them decides how to show it.

The command line installs a rich progress bar; under ``dagster dev`` nothing is
installed and reports only go to the step's log through the optional ``log``.
"""
from __future__ import annotations


class Reporter:
    """Does nothing; subclasses show progress."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self, stage: str, n: int = 1) -> None: ...

    def finish(self, stage: str) -> None: ...


_reporter: Reporter = Reporter()


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter or Reporter()


def reporter() -> Reporter:
    return _reporter

