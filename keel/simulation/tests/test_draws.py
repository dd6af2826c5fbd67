"""The demand area's fast draws give exactly the numbers ``Generator.choice`` gives."""

from __future__ import annotations

import numpy as np

from keel.simulation.areas.demand import choose_distinct, cumulative
from keel.simulation.world import stream


def test_choose_distinct_draws_what_choice_draws() -> None:
    # Given two copies of one stream and a long-tailed distribution with a few heavy items
    # (so that repeated draws, and the redraw for them, happen)
    weights = 1 / np.arange(1, 41) ** 1.2
    weights[[0, 3]] *= 25
    weights /= weights.sum()
    cdf = cumulative(weights)
    fast, reference = stream(7, "baskets"), stream(7, "baskets")
    sizes = [1 + i % 6 for i in range(3000)]

    # When each draws the same sizes of distinct items, the fast way and with choice
    drawn = [choose_distinct(fast, weights, cdf, size) for size in sizes]
    expected = [reference.choice(40, size=size, replace=False, p=weights).tolist() for size in sizes]

    # Then every draw is the same and both streams are at the same place afterwards
    assert drawn == expected
    assert sum(len(found) != len(set(found)) for found in drawn) == 0
    assert fast.random() == reference.random()
