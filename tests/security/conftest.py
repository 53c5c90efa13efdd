import datetime as dt

import pytest

from erp_core.kernel import clock


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def moving_clock():
    """The core's clock, moved by the test (no sleeping); the real clock is restored afterwards."""
    c = MovableClock()
    clock.set_clock(c)
    yield c
    clock.set_clock(None)
