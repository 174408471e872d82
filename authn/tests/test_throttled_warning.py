"""An outage that repeats on every request is one WARNING a minute, and INFO in between."""

from __future__ import annotations

import logging

from authn import ThrottledWarning


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_occurrence_warns_and_the_rest_of_the_minute_is_quiet():
    clock = Clock()
    outage = ThrottledWarning(60, clock=clock)
    levels = []
    for step in (0, 1, 58.9):
        clock.now = 1000.0 + step
        levels.append(outage.level())
    clock.now = 1060.0
    levels.append(outage.level())
    assert levels == [logging.WARNING, logging.INFO, logging.INFO, logging.WARNING]


def test_due_says_when_to_log_at_all():
    clock = Clock()
    outage = ThrottledWarning(10, clock=clock)
    assert [outage.due(), outage.due()] == [True, False]
    clock.now += 10
    assert outage.due() is True
