"""Turn a process map's numbers into what the SVG template draws: positions, paths,
thicknesses, colours, labels and hover texts. No HTML here; the template writes the SVG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from keel.processes.analysis import MapData
from keel.processes.layout import NODE_HEIGHT, NODE_WIDTH, layout

START = "\x02start"
END = "\x03end"
SLOWEST_HIGHLIGHTED = 3

Measure = Literal["frequency", "performance"]


def duration_text(seconds: float | None) -> str:
    """A duration as people say it: 45 s, 12 min, 3.4 h, 2.1 d.

    >>> [duration_text(value) for value in (None, 45, 720, 12240, 181440)]
    ['—', '45 s', '12 min', '3.4 h', '2.1 d']
    """
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


MINUS = "\u2212"
TIMES = "\u00d7"
EN_DASH = "\u2013"


def signed_duration(seconds: float | None) -> str:
    """A change in time with its sign: +2.0 h, \u22123 min, 0 s.

    >>> [signed_duration(value) for value in (None, 7200, -180, 0)]
    ['—', '+2.0 h', '\u22123 min', '0 s']
    """
    if seconds is None:
        return "—"
    sign = "+" if seconds > 0 else MINUS if seconds < 0 else ""
    return sign + duration_text(abs(seconds))


def _mix(low: tuple[int, int, int], high: tuple[int, int, int], ratio: float) -> str:
    ratio = min(max(ratio, 0.0), 1.0)
    red, green, blue = (round(a + (b - a) * ratio) for a, b in zip(low, high, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}"


FREQUENCY_LOW, FREQUENCY_HIGH = (159, 191, 214), (11, 61, 102)
SLOW_LOW, SLOW_HIGH = (240, 190, 120), (179, 35, 24)
NODE_LOW, NODE_HIGH = (232, 241, 248), (15, 92, 140)


@dataclass(frozen=True, slots=True)
class MapNode:
    name: str
    kind: str  # activity, start, end
    x: float
    y: float
    width: float
    height: float
    count: int
    fill: str
    ink: str
    label: str
    title: str


@dataclass(frozen=True, slots=True)
class MapEdge:
    source: str
    target: str
    path: str
    width: float
    colour: str
    label: str
    label_x: float
    label_y: float
    title: str
    is_slow: bool
    is_marker: bool
    frequency: int


def drawing(data: MapData, *, measure: Measure) -> dict[str, Any]:
    """Nodes and edges, placed and styled, plus the SVG's size."""
    order = sorted(data.activities, key=lambda name: (-data.activities[name], name))
    names = [START, *order, END]
    marker_edges = [(START, name) for name in sorted(data.start, key=lambda n: -data.start[n])]
    marker_edges += [(name, END) for name in sorted(data.end, key=lambda n: -data.end[n])]
    arc_edges = [(row["source"], row["target"]) for row in data.arcs]
    placed = layout(names, arc_edges + marker_edges)
    most = max(data.activities.values(), default=1)
    nodes: list[MapNode] = []
    for node in placed.nodes:
        if node.name in (START, END):
            is_start = node.name == START
            count = sum(data.start.values()) if is_start else sum(data.end.values())
            nodes.append(MapNode(
                name=node.name, kind="start" if is_start else "end", x=node.x + NODE_WIDTH / 2 - 14, y=node.y + 6,
                width=28, height=28, count=count, fill="#1d7a46" if is_start else "#394452", ink="#fff",
                label="", title=f"{'Start' if is_start else 'End'}: {count:,} cases",
            ))
            continue
        count = data.activities[node.name]
        ratio = count / most if most else 0.0
        label = node.name if len(node.name) <= 22 else node.name[:21] + "…"
        nodes.append(MapNode(
            name=node.name, kind="activity", x=node.x, y=node.y, width=NODE_WIDTH, height=NODE_HEIGHT, count=count,
            fill=_mix(NODE_LOW, NODE_HIGH, ratio ** 0.7), ink="#ffffff" if ratio > 0.45 else "#0e2a3d",
            label=label, title=f"{node.name}: {count:,} events",
        ))
    by_pair = {(row["source"], row["target"]): row for row in data.arcs}
    candidates = [row for row in data.arcs if row["frequency"] >= 2] or data.arcs
    slowest = {(row["source"], row["target"]) for row in
               sorted(candidates, key=lambda row: (-(row["mean"] or 0.0), row["source"], row["target"]))[:SLOWEST_HIGHLIGHTED]}
    top_frequency = max((row["frequency"] for row in data.arcs), default=1)
    top_mean = max((row["mean"] or 0.0 for row in data.arcs), default=0.0) or 1.0
    edges: list[MapEdge] = []
    for edge in placed.edges:
        if edge.source == START or edge.target == END:
            count = data.start.get(edge.target, 0) if edge.source == START else data.end.get(edge.source, 0)
            edges.append(MapEdge(
                source=edge.source, target=edge.target, path=edge.path, width=1.2, colour="#9aa5b1",
                label="", label_x=edge.label_x, label_y=edge.label_y,
                title=f"{count:,} cases {'start with' if edge.source == START else 'end with'} "
                      f"{edge.target if edge.source == START else edge.source}",
                is_slow=False, is_marker=True, frequency=count,
            ))
            continue
        row = by_pair[(edge.source, edge.target)]
        mean = row["mean"] or 0.0
        if measure == "performance":
            ratio = mean / top_mean
            label = duration_text(row["mean"])
            colour = _mix(SLOW_LOW, SLOW_HIGH, ratio ** 0.6)
        else:
            ratio = row["frequency"] / top_frequency
            label = f"{row['frequency']:,}"
            colour = _mix(FREQUENCY_LOW, FREQUENCY_HIGH, ratio ** 0.6)
        is_slow = (edge.source, edge.target) in slowest
        edges.append(MapEdge(
            source=edge.source, target=edge.target, path=edge.path, width=round(1.2 + 7 * ratio ** 0.7, 1),
            colour="#b42318" if is_slow and measure == "frequency" else colour, label=label,
            label_x=edge.label_x, label_y=edge.label_y,
            title=(f"{edge.source} → {edge.target}: {row['frequency']:,} times; median {duration_text(row['median'])}, "
                   f"mean {duration_text(row['mean'])}, max {duration_text(row['max'])}"
                   + ("; one of the slowest hand-offs" if is_slow else "")),
            is_slow=is_slow, is_marker=False, frequency=row["frequency"],
        ))
    # Thin and marker edges first so that the heavy ones are drawn on top.
    edges.sort(key=lambda edge: (not edge.is_marker, edge.width))
    return {"nodes": nodes, "edges": edges, "width": placed.width, "height": placed.height,
            "node_height": NODE_HEIGHT}
