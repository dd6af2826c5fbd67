"""A layered (Sugiyama-style) layout for process maps, computed on the server.

Steps, each the textbook one: break cycles by reversing the back edges of a depth-first
search that starts from the start marker; assign layers by longest path; put a dummy
node on every layer a long edge crosses; order each layer by the barycentre of its
neighbours, sweeping down and up a few times; then place nodes on a grid and draw each
edge as a smooth cubic path through its dummies. Deterministic: the same graph gives the
same picture. Pure Python, no Django; maps have tens of nodes, so the cost is negligible.

>>> drawing = layout(["a", "b"], [("a", "b"), ("b", "a")])
>>> [(node.name, node.layer) for node in drawing.nodes]
[('a', 0), ('b', 1)]
>>> [edge.is_back for edge in drawing.edges]
[False, True]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

NODE_WIDTH = 176
NODE_HEIGHT = 40
COLUMN_GAP = 36
LAYER_GAP = 74
MARGIN = 24
DUMMY_WIDTH = 24


@dataclass(slots=True)
class PlacedNode:
    name: str
    layer: int
    order: float
    x: float = 0.0
    y: float = 0.0
    is_dummy: bool = False

    @property
    def cx(self) -> float:
        return self.x + NODE_WIDTH / 2 if not self.is_dummy else self.x

    @property
    def cy(self) -> float:
        return self.y + NODE_HEIGHT / 2 if not self.is_dummy else self.y


@dataclass(slots=True)
class PlacedEdge:
    source: str
    target: str
    is_back: bool
    is_self: bool
    path: str = ""
    label_x: float = 0.0
    label_y: float = 0.0
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class Drawing:
    nodes: list[PlacedNode]
    edges: list[PlacedEdge]
    width: float
    height: float


def _break_cycles(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges to reverse: back edges of a DFS in the given node order (iterative)."""
    successors: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        if source != target:
            successors[source].append(target)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[tuple[str, str]] = set()
    for root in names:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack[-1]
            children = successors[node]
            if index < len(children):
                stack[-1] = (node, index + 1)
                child = children[index]
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
                stack.pop()
    return back


def layout(names: Sequence[str], edges: Sequence[tuple[str, str]], *, sweeps: int = 6) -> Drawing:
    """Place ``names`` (in priority order: the DFS starts from the first) and ``edges``."""
    back = _break_cycles(names, edges)
    forward = [((t, s) if (s, t) in back else (s, t)) for s, t in edges if s != t]
    predecessors: dict[str, list[str]] = defaultdict(list)
    for source, target in forward:
        predecessors[target].append(source)
    layer: dict[str, int] = {}

    def depth(node: str) -> int:
        # Longest path from a source; the forward graph is acyclic. Iterative to avoid recursion limits.
        pending = [node]
        while pending:
            current = pending[-1]
            if current in layer:
                pending.pop()
                continue
            missing = [p for p in predecessors[current] if p not in layer]
            if missing:
                pending.extend(missing)
                continue
            layer[current] = max((layer[p] + 1 for p in predecessors[current]), default=0)
            pending.pop()
        return layer[node]

    for name in names:
        depth(name)
    nodes: dict[str, PlacedNode] = {name: PlacedNode(name, layer[name], float(i)) for i, name in enumerate(names)}
    # Long edges get a dummy node on every layer they cross.
    chains: list[list[str]] = []
    for source, target in forward:
        chain = [source]
        for step in range(layer[source] + 1, layer[target]):
            dummy = f"\x00{source}\x1f{target}\x1f{step}"
            nodes[dummy] = PlacedNode(dummy, step, nodes[source].order, is_dummy=True)
            chain.append(dummy)
        chain.append(target)
        chains.append(chain)
    up: dict[str, list[str]] = defaultdict(list)
    down: dict[str, list[str]] = defaultdict(list)
    for chain in chains:
        for a, b in pairwise(chain):
            down[a].append(b)
            up[b].append(a)
    layers: dict[int, list[PlacedNode]] = defaultdict(list)
    for node in nodes.values():
        layers[node.layer].append(node)
    for members in layers.values():
        members.sort(key=lambda n: n.order)
        for index, node in enumerate(members):
            node.order = float(index)
    depth_count = max(layers) + 1 if layers else 0
    for sweep in range(sweeps):
        sequence = range(1, depth_count) if sweep % 2 == 0 else range(depth_count - 2, -1, -1)
        neighbours = up if sweep % 2 == 0 else down
        for level in sequence:
            members = layers[level]
            for node in members:
                linked = neighbours[node.name]
                if linked:
                    node.order = sum(nodes[n].order for n in linked) / len(linked)
            members.sort(key=lambda n: n.order)
            for index, node in enumerate(members):
                node.order = float(index)
    def slot(node: PlacedNode) -> float:
        # A long edge's dummy needs room for a line, not for a box.
        return DUMMY_WIDTH if node.is_dummy else NODE_WIDTH

    def span(members: list[PlacedNode]) -> float:
        return sum(slot(node) for node in members) + max(len(members) - 1, 0) * COLUMN_GAP

    width = MARGIN * 2 + max((span(members) for members in layers.values()), default=NODE_WIDTH)
    for level, members in layers.items():
        left = (width - span(members)) / 2
        for node in members:
            node.y = MARGIN + level * (NODE_HEIGHT + LAYER_GAP)
            if node.is_dummy:
                node.x = left + DUMMY_WIDTH / 2
                node.y += NODE_HEIGHT / 2
            else:
                node.x = left
            left += slot(node) + COLUMN_GAP
    height = MARGIN * 2 + depth_count * NODE_HEIGHT + max(depth_count - 1, 0) * LAYER_GAP
    placed_edges: list[PlacedEdge] = []
    chain_of = {(chain[0], chain[-1]): chain for chain in chains}
    for source, target in edges:
        edge = PlacedEdge(source, target, is_back=(source, target) in back, is_self=source == target)
        if edge.is_self:
            node = nodes[source]
            x, y = node.x + NODE_WIDTH, node.y + NODE_HEIGHT / 2
            edge.path = f"M{x:.1f},{y - 8:.1f} C{x + 34:.1f},{y - 26:.1f} {x + 34:.1f},{y + 26:.1f} {x:.1f},{y + 8:.1f}"
            edge.label_x, edge.label_y = x + 30, y
            placed_edges.append(edge)
            continue
        key = (target, source) if edge.is_back else (source, target)
        chain = chain_of[key]
        points = []
        for position, name in enumerate(chain):
            node = nodes[name]
            if node.is_dummy:
                points.append((node.x, node.y))
            elif position == 0:
                points.append((node.cx, node.y + NODE_HEIGHT))
            else:
                points.append((node.cx, node.y))
        if edge.is_back:
            points.reverse()
            # Drawn beside the forward edge so that a loop between two activities stays readable.
            points = [(x + 14, y) for x, y in points]
        edge.points = points
        edge.path = _smooth(points, backwards=edge.is_back)
        middle = len(points) // 2
        if len(points) % 2 == 0:
            (x1, y1), (x2, y2) = points[middle - 1], points[middle]
            edge.label_x, edge.label_y = (x1 + x2) / 2, (y1 + y2) / 2
        else:
            edge.label_x, edge.label_y = points[middle]
        if edge.is_back:
            edge.label_x += 28  # on the outward bulge, clear of the forward edge's label
        placed_edges.append(edge)
    real = [node for node in nodes.values() if not node.is_dummy]
    real.sort(key=lambda n: (n.layer, n.order))
    return Drawing(nodes=real, edges=placed_edges, width=width + 40, height=height)


def _smooth(points: list[tuple[float, float]], *, backwards: bool) -> str:
    """A path through the points with vertical tangents (cubic Bézier segments)."""
    (x0, y0) = points[0]
    parts = [f"M{x0:.1f},{y0:.1f}"]
    for (xa, ya), (xb, yb) in pairwise(points):
        bend = (yb - ya) / 2
        if backwards:
            # Going up: bulge outwards so that the curve does not run through the nodes.
            parts.append(f"C{xa + 40:.1f},{ya + bend:.1f} {xb + 40:.1f},{yb - bend:.1f} {xb:.1f},{yb:.1f}")
        else:
            parts.append(f"C{xa:.1f},{ya + bend:.1f} {xb:.1f},{yb - bend:.1f} {xb:.1f},{yb:.1f}")
    return " ".join(parts)
