"""pm4py as the reference: the same questions asked of pm4py's dataframe path.

pm4py (AGPL) is a test-only dependency: only tests import this module, and an
import-linter contract keeps it out of everything else.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pandas as pd

from keel.analytics.process_mining import (
    EventLog,
    PetriNet,
    Transition,
    case_durations,
    end_activities,
    frequency_dfg,
    performance_dfg,
    start_activities,
    variants,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pm4py
    from pm4py.objects.petri_net.obj import Marking
    from pm4py.objects.petri_net.obj import PetriNet as Pm4pyNet
    from pm4py.objects.petri_net.utils import petri_utils
    from pm4py.statistics.traces.generic.pandas import case_statistics

RELATIVE = 1e-9
XES_COLUMNS = {"case_id": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}


def as_pandas(log: EventLog) -> pd.DataFrame:
    """The log's core columns as pm4py expects them (order kept: pm4py sorts itself)."""
    frame = log.frame
    # Column by column rather than to_pandas(), which would need pyarrow.
    return pd.DataFrame({
        XES_COLUMNS["case_id"]: frame.get_column("case_id").to_list(),
        XES_COLUMNS["activity"]: frame.get_column("activity").to_list(),
        XES_COLUMNS["timestamp"]: pd.to_datetime(
            frame.get_column("timestamp").dt.epoch("ns").to_numpy(), unit="ns", utc=True
        ),
    })


def reference(frame: pd.DataFrame) -> dict[str, Any]:
    """pm4py's answers for a dataframe, in plain Python values.

    The frame first goes through ``pm4py.format_dataframe``, pm4py's entry to its dataframe
    path: it sorts by case, timestamp and original index (without it, pm4py's start and
    end activities and variants take rows in file order).
    """
    frame = pm4py.format_dataframe(
        frame, case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp"
    )
    dfg, starts, ends = pm4py.discover_dfg(frame)
    performance, _, _ = pm4py.discover_performance_dfg(frame)
    durations = case_statistics.get_cases_description(frame)
    return {
        "dfg": {arc: int(count) for arc, count in dfg.items()},
        "start": {name: int(count) for name, count in starts.items()},
        "end": {name: int(count) for name, count in ends.items()},
        "performance": {arc: {key: float(value) for key, value in stats.items()}
                        for arc, stats in performance.items()},
        "variants": {variant: int(count) for variant, count in pm4py.get_variants(frame).items()},
        "durations": {case: float(info["caseDuration"]) for case, info in durations.items()},
    }


def ours(log: EventLog) -> dict[str, Any]:
    """Keel's answers for the same questions, in the same shapes."""
    names = ("mean", "median", "min", "max", "sum", "stdev")
    return {
        "dfg": {(source, target): count for source, target, count in frequency_dfg(log).iter_rows()},
        "start": dict(start_activities(log).iter_rows()),
        "end": dict(end_activities(log).iter_rows()),
        "performance": {
            (row["source"], row["target"]): {name: row[name] for name in names}
            for row in performance_dfg(log).iter_rows(named=True)
        },
        "variants": {tuple(row[0]): row[1] for row in variants(log).select("activities", "count").iter_rows()},
        "durations": dict(case_durations(log).select("case_id", "duration").iter_rows()),
    }


def assert_same_as_pm4py(mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Exact for counts, variants and durations; performance statistics to 1e-9 relative."""
    for key in ("dfg", "start", "end", "variants", "durations"):
        assert mine[key] == theirs[key], key
    assert mine["performance"].keys() == theirs["performance"].keys()
    for arc, expected in theirs["performance"].items():
        for name, value in expected.items():
            got = mine["performance"][arc][name]
            if math.isnan(value):
                assert got is None, (arc, name)
            else:
                assert math.isclose(got, value, rel_tol=RELATIVE, abs_tol=0.0), (arc, name, got, value)


def to_pm4py_net(net: PetriNet) -> tuple[Any, Any, Any]:
    """Keel's Petri net as a pm4py net with markings."""
    result = Pm4pyNet("model")
    places = {name: Pm4pyNet.Place(name) for name in net.places}
    transitions = {t.name: Pm4pyNet.Transition(t.name, t.label) for t in net.transitions}
    for place in places.values():
        result.places.add(place)
    for transition in transitions.values():
        result.transitions.add(transition)
    nodes: dict[str, Any] = {**places, **transitions}
    for source, target in net.arcs:
        petri_utils.add_arc_from_to(nodes[source], nodes[target], result)
    return (result, Marking({places[p]: n for p, n in net.initial_marking.items()}),
            Marking({places[p]: n for p, n in net.final_marking.items()}))


def from_pm4py_net(net: Any, initial: Any, final: Any) -> PetriNet:
    """A pm4py net (e.g. one pm4py discovered) as Keel's Petri net."""
    return PetriNet(
        places=tuple(place.name for place in net.places),
        transitions=tuple(Transition(t.name, t.label) for t in net.transitions),
        arcs=tuple((arc.source.name, arc.target.name) for arc in net.arcs),
        initial_marking={place.name: count for place, count in initial.items()},
        final_marking={place.name: count for place, count in final.items()},
    )
