"""The process map's layout and styling: examples run, layers follow the flow, loops are
drawn back up, and every edge gets a path."""

from __future__ import annotations

import doctest

import pytest

from keel.processes import layout, maps
from keel.processes.analysis import MapData


@pytest.mark.parametrize("module", [layout, maps])
def test_the_examples_in_the_docstrings_run(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_layers_follow_the_longest_path_and_back_edges_are_reversed() -> None:
    drawing = layout.layout(["start", "a", "b", "c", "end"],
                            [("start", "a"), ("a", "b"), ("b", "c"), ("a", "c"), ("c", "a"), ("c", "end"), ("b", "b")])

    assert {node.name: node.layer for node in drawing.nodes} == {"start": 0, "a": 1, "b": 2, "c": 3, "end": 4}
    back = {(edge.source, edge.target) for edge in drawing.edges if edge.is_back}
    assert back == {("c", "a")}
    assert all(edge.path.startswith("M") for edge in drawing.edges)
    # The long edge a -> c passes a dummy point on b's layer, beside b
    long_edge = next(edge for edge in drawing.edges if (edge.source, edge.target) == ("a", "c"))
    assert len(long_edge.points) == 3


def test_the_drawing_highlights_the_slowest_hand_offs_and_scales_edges() -> None:
    def arc(source: str, target: str, frequency: int, mean: float) -> dict[str, object]:
        return {"source": source, "target": target, "frequency": frequency, "mean": mean, "median": mean,
                "max": mean, "min": mean, "sum": mean * frequency, "stdev": None}

    data = MapData(activities={"a": 10, "b": 10, "c": 5, "d": 5, "e": 2},
                   arcs=[arc("a", "b", 10, 60.0), arc("b", "c", 5, 7200.0), arc("b", "d", 5, 600.0),
                         arc("c", "e", 2, 3600.0), arc("d", "e", 2, 30.0)],
                   hidden_arcs=0, hidden_activities=0, start={"a": 10}, end={"e": 2, "b": 0}, case_count=10,
                   event_count=32)

    drawn = maps.drawing(data, measure="frequency")

    edges = {(edge.source, edge.target): edge for edge in drawn["edges"] if not edge.is_marker}
    assert {pair for pair, edge in edges.items() if edge.is_slow} == {("b", "c"), ("c", "e"), ("b", "d")}
    assert edges[("a", "b")].width > edges[("b", "c")].width > edges[("c", "e")].width
    assert edges[("a", "b")].label == "10"
    timed = {(edge.source, edge.target): edge for edge in maps.drawing(data, measure="performance")["edges"]}
    assert timed[("b", "c")].label == "2.0 h"
