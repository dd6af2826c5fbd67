"""Intended processes as Petri nets, and a helper that builds one from a workflow.

A :class:`PetriNet` has places, transitions (labelled with an activity, or silent with
``label=None``), arcs of weight one between a place and a transition, and an initial and
a final marking. :func:`from_workflow` translates a block-structured description
(sequence, parallel, choice, optional, repeat) into a sound workflow net, the shape an intended
process drawn by a person usually has.

>>> net = from_workflow({"sequence": ["register", {"parallel": ["pick", "invoice"]}, "ship"]})
>>> sorted(t.label for t in net.transitions if t.label)
['invoice', 'pick', 'register', 'ship']
>>> net.initial_marking, net.final_marking
({'source': 1}, {'sink': 1})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PetriNet", "Transition", "WorkflowError", "from_workflow"]


class WorkflowError(ValueError):
    """A workflow description or net that cannot be used; the message names the part."""


@dataclass(frozen=True, slots=True)
class Transition:
    """A transition: its unique name and the activity it stands for (None when silent)."""

    name: str
    label: str | None


@dataclass(frozen=True)
class PetriNet:
    """A Petri net with arcs of weight one and its initial and final markings.

    ``arcs`` are ``(source, target)`` name pairs, each from a place to a transition or
    from a transition to a place.

    >>> net = PetriNet(places=("p0", "p1"), transitions=(Transition("t", "a"),),
    ...                arcs=(("p0", "t"), ("t", "p1")),
    ...                initial_marking={"p0": 1}, final_marking={"p1": 1})
    >>> net.preset["t"], net.postset["t"]
    (('p0',), ('p1',))
    """

    places: tuple[str, ...]
    transitions: tuple[Transition, ...]
    arcs: tuple[tuple[str, str], ...]
    initial_marking: Mapping[str, int]
    final_marking: Mapping[str, int]
    preset: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    postset: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        places = set(self.places)
        names = {transition.name for transition in self.transitions}
        if len(names) != len(self.transitions) or places & names:
            raise WorkflowError("place and transition names must be unique")
        preset: dict[str, list[str]] = {name: [] for name in names}
        postset: dict[str, list[str]] = {name: [] for name in names}
        for source, target in self.arcs:
            if source in places and target in names:
                preset[target].append(source)
            elif source in names and target in places:
                postset[source].append(target)
            else:
                raise WorkflowError(f"arc {source!r} -> {target!r} must join a place and a transition")
        for marking in (self.initial_marking, self.final_marking):
            unknown = set(marking) - places
            if unknown:
                raise WorkflowError(f"marking names unknown places: {', '.join(sorted(unknown))}")
        object.__setattr__(self, "preset", {key: tuple(value) for key, value in preset.items()})
        object.__setattr__(self, "postset", {key: tuple(value) for key, value in postset.items()})

    @property
    def labels(self) -> set[str]:
        """The activities the net knows."""
        return {t.label for t in self.transitions if t.label is not None}


def from_workflow(description: Any) -> PetriNet:
    """Build a workflow net from a nested description.

    A description is an activity name, or a one-key mapping: ``{"sequence": [...]}``,
    ``{"parallel": [...]}`` (all branches, in any interleaving), ``{"choice": [...]}``
    (exactly one branch), ``{"optional": part}`` (the part or nothing) or
    ``{"repeat": part}`` (the part once or more, one run after the other). Parallel splits
    and joins, optional skips and the loop back of a repeat are silent transitions.

    >>> net = from_workflow({"sequence": ["a", {"choice": ["b", "c"]}, {"optional": "d"}]})
    >>> len(net.places), len(net.transitions)
    (4, 5)
    >>> looped = from_workflow({"sequence": ["a", {"repeat": "b"}]})
    >>> len(looped.places), len(looped.transitions)
    (5, 5)
    """
    builder = _Builder()
    builder.add(description, "source", "sink", path="workflow")
    return PetriNet(
        places=tuple(builder.places),
        transitions=tuple(builder.transitions),
        arcs=tuple(builder.arcs),
        initial_marking={"source": 1},
        final_marking={"sink": 1},
    )


class _Builder:
    def __init__(self) -> None:
        self.places: list[str] = ["source", "sink"]
        self.transitions: list[Transition] = []
        self.arcs: list[tuple[str, str]] = []

    def place(self) -> str:
        name = f"p{len(self.places) - 1}"
        self.places.append(name)
        return name

    def transition(self, label: str | None, inputs: Sequence[str], outputs: Sequence[str]) -> None:
        name = f"t{len(self.transitions) + 1}" if label is not None else f"tau{len(self.transitions) + 1}"
        self.transitions.append(Transition(name, label))
        self.arcs += [(place, name) for place in inputs]
        self.arcs += [(name, place) for place in outputs]

    def add(self, node: Any, entry: str, exit_: str, *, path: str) -> None:
        if isinstance(node, str):
            if not node:
                raise WorkflowError(f"{path}: an activity needs a name")
            self.transition(node, [entry], [exit_])
            return
        if not isinstance(node, Mapping) or len(node) != 1:
            raise WorkflowError(
                f"{path}: expected an activity name or one of "
                "{'sequence': [...]}, {'parallel': [...]}, {'choice': [...]}, {'optional': ...}, {'repeat': ...}"
            )
        kind, body = next(iter(node.items()))
        if kind == "optional":
            self.add(body, entry, exit_, path=f"{path}.optional")
            self.transition(None, [entry], [exit_])
            return
        if kind == "repeat":
            # Own places around the part, so that the loop back never re-enters a
            # neighbour (a choice's other branches share ``entry`` and ``exit_``).
            start, end = self.place(), self.place()
            self.transition(None, [entry], [start])
            self.add(body, start, end, path=f"{path}.repeat")
            self.transition(None, [end], [start])
            self.transition(None, [end], [exit_])
            return
        if kind not in ("sequence", "parallel", "choice"):
            raise WorkflowError(f"{path}: unknown block {kind!r}")
        if isinstance(body, str | bytes) or not isinstance(body, Sequence) or not body:
            raise WorkflowError(f"{path}.{kind}: needs a non-empty list")
        if kind == "sequence":
            current = entry
            for index, part in enumerate(body):
                following = exit_ if index == len(body) - 1 else self.place()
                self.add(part, current, following, path=f"{path}.sequence[{index}]")
                current = following
        elif kind == "choice":
            for index, part in enumerate(body):
                self.add(part, entry, exit_, path=f"{path}.choice[{index}]")
        else:
            starts = [self.place() for _ in body]
            ends = [self.place() for _ in body]
            self.transition(None, [entry], starts)
            for index, part in enumerate(body):
                self.add(part, starts[index], ends[index], path=f"{path}.parallel[{index}]")
            self.transition(None, ends, [exit_])
