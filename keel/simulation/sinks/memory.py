"""A sink that only counts: for trying scenarios quickly and for measuring the model."""

from __future__ import annotations

from collections import Counter
from typing import Any

from keel.simulation.world import World


class CountingSink:
    """Counts each kind of fact; writes nothing."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def setup(self, world: World) -> None:
        self.counts["setup"] += 1

    def finish(self, world: World) -> None:
        self.counts["finish"] += 1

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def count(*args: Any, **kwargs: Any) -> None:
            self.counts[name] += 1

        return count
