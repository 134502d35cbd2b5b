"""A time limit for a call that might hang, shared by the fuzzer and the hostile tests."""

from __future__ import annotations

import contextlib
import signal


class Hang(BaseException):
    """What :func:`deadline` raises: no ``OSError`` (as ``TimeoutError`` is) and no
    ``Exception``, which the code under test may catch as a damaged file."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Raises :class:`Hang` in the block it wraps if the block runs past ``seconds`` (the main
    thread's ``SIGALRM``; the previous handler is restored after)."""

    def expire(*_):
        raise Hang(f"ran past {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
