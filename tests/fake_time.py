"""A clock tests move by hand, with the ``sleep`` that moves it: minutes of a client's life without waiting them."""

from __future__ import annotations


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
