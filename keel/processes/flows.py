"""Intended processes as people draw them: an ordered list of steps.

A step is ``{"activity": str, "optional": bool, "repeat": bool, "join": "" | "parallel" |
"choice"}``. Steps run one after the other; ``join="parallel"`` runs a step alongside the
step before it (in any order), ``join="choice"`` makes it an alternative to the step
before it (one of them happens). ``optional`` steps may be left out, ``repeat`` steps
may be done several times in a row. :func:`workflow` turns the list into the engine's
block description, which :func:`keel.analytics.process_mining.from_workflow` makes a
Petri net of.

>>> steps = clean_steps([{"activity": "Pick"}, {"activity": "Check", "optional": True},
...                      {"activity": "Pack"}, {"activity": "Invoice", "join": "parallel"}])
>>> workflow(steps)
{'sequence': ['Pick', {'optional': 'Check'}, {'parallel': ['Pack', 'Invoice']}]}
>>> sorted(final_activities(steps))
['Invoice', 'Pack']
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from keel.analytics.process_mining import PetriNet, from_workflow
from keel.core.errors import ProblemCollector
from keel.processes.choices import ProcessKind

JOINS = ("", "parallel", "choice")
MAX_STEPS = 60
TRUE_WORDS = {"1", "true", "yes", "on"}

# Keel's own workflows, from the services that write each process's events
# (keel/orders/services.py, keel/supply_chain/services.py): the happy path, with the
# address correction that sends an order back to confirmation, backorders, allocation in
# several rounds as stock arrives (reserve and allocate, each repeating, interleaved) and
# partial receipts.
KEEL_WORKFLOWS: dict[str, list[dict[str, Any]]] = {
    ProcessKind.SALES_ORDER: [
        {"activity": "Create order"},
        {"activity": "Confirm order"},
        {"activity": "Correct address", "optional": True},
        {"activity": "Confirm order", "optional": True},
        {"activity": "Backorder order", "optional": True, "repeat": True},
        {"activity": "Reserve stock", "repeat": True},
        {"activity": "Allocate order", "repeat": True, "join": "parallel"},
        {"activity": "Create pick list"},
        {"activity": "Confirm picks"},
        {"activity": "Check quality"},
        {"activity": "Pack order"},
        {"activity": "Ship stock"},
        {"activity": "Ship order"},
        {"activity": "Confirm delivery"},
    ],
    ProcessKind.PURCHASE_ORDER: [
        {"activity": "Create purchase order"},
        {"activity": "Submit purchase order"},
        {"activity": "Approve purchase order"},
        {"activity": "Send purchase order"},
        {"activity": "Receive purchase order", "repeat": True},
        {"activity": "Close purchase order", "optional": True},
    ],
}


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE_WORDS


def clean_steps(raw: Iterable[Mapping[str, Any]], problems: ProblemCollector | None = None) -> list[dict[str, Any]]:
    """Check and normalise a step list; problems name the step (1-based) and the field.

    Raises ``ValidationFailed`` through ``problems`` when one is not given.
    """
    own = problems is None
    collector = problems if problems is not None else ProblemCollector()
    steps: list[dict[str, Any]] = []
    for number, item in enumerate(raw, start=1):
        activity = str(item.get("activity", "") or "").strip()
        join = str(item.get("join", "") or "").strip()
        if not activity:
            continue  # an empty row of the form: ignored
        if len(activity) > 200:
            collector.add("activity", "is longer than 200 characters", number)
        if join not in JOINS:
            collector.add("join", f"{join!r} is not one of: after the previous step, parallel, choice", number)
            join = ""
        if join and not steps:
            collector.add("join", "the first step cannot run alongside or instead of a previous step", number)
            join = ""
        steps.append({"activity": activity, "optional": _flag(item.get("optional")),
                      "repeat": _flag(item.get("repeat")), "join": join, "number": number})
    if not steps:
        collector.add("steps", "an intended process needs at least one step")
    if len(steps) > MAX_STEPS:
        collector.add("steps", f"at most {MAX_STEPS} steps")
    for previous, step in itertools.pairwise(steps):
        if step["join"] and previous["join"] and step["join"] != previous["join"]:
            collector.add("join", "a group of steps is either parallel or a choice, not both", step["number"])
    if own:
        collector.raise_if_any("The process model was not saved.")
    return [{key: value for key, value in step.items() if key != "number"} for step in steps]


def _node(step: Mapping[str, Any]) -> Any:
    node: Any = step["activity"]
    if step.get("repeat"):
        node = {"repeat": node}
    if step.get("optional"):
        node = {"optional": node}
    return node


def _groups(steps: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for step in steps:
        if step.get("join") and groups:
            _kind, members = groups[-1]
            groups[-1] = (step["join"], [*members, step])
        else:
            groups.append(("", [step]))
    return groups


def workflow(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The engine's block description of a step list."""
    parts: list[Any] = []
    for kind, members in _groups(steps):
        if len(members) == 1:
            parts.append(_node(members[0]))
        else:
            parts.append({kind: [_node(member) for member in members]})
    return {"sequence": parts}


def petri_net(steps: list[dict[str, Any]]) -> PetriNet:
    """The Petri net of a step list (sound by construction)."""
    return from_workflow(workflow(steps))


def final_activities(steps: list[dict[str, Any]]) -> set[str]:
    """The activities a case can end with: the last group's, and before it while every
    later group is optional. Cases are counted as finished when they end with one."""
    finals: set[str] = set()
    for kind, members in reversed(_groups(steps)):
        finals |= {member["activity"] for member in members}
        optional = [bool(member.get("optional")) for member in members]
        # A choice can be passed by when one branch is optional; a parallel group or a
        # single step only when every part is.
        can_skip = any(optional) if kind == "choice" else all(optional)
        if not can_skip:
            return finals
    return finals


def derive_from_variant(activities: list[str]) -> list[dict[str, Any]]:
    """Steps from one path (the most frequent variant): a run of the same activity
    becomes one step that may repeat."""
    steps: list[dict[str, Any]] = []
    for activity in activities:
        if steps and steps[-1]["activity"] == activity:
            steps[-1]["repeat"] = True
            continue
        steps.append({"activity": activity, "optional": False, "repeat": False, "join": ""})
    return steps
