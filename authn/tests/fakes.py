"""Test doubles the authn tests share."""


class Clock:
    """A clock the test moves by hand (``clock.now += 5``), for ``time.monotonic``-style callables."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
