"""Keel's engine against pm4py on public logs, an object-centric log and a log full of ties.

Counts, variants and case durations must be exactly pm4py's; performance statistics agree
to 1e-9 relative; token-replay fitness is pm4py's on models pm4py discovers and on one
built from a workflow.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from keel.analytics.process_mining import (
    EventLog,
    flatten,
    from_workflow,
    read_xes,
    replay_log,
    write_xes,
)
from keel.analytics.process_mining.ocel import read_json, read_sqlite
from keel.analytics.process_mining.tests import oracle
from keel.analytics.process_mining.tests.oracle import pm4py

DATA = Path(__file__).parent / "data"
XES_LOGS = [
    "03_repairExample.xes.gz",
    "13_SEPSIS_1t_per_variant.xes.gz",
    "15_bpic2020_permit_log_1t_per_variant.xes.gz",
]


@pytest.mark.parametrize("name", XES_LOGS)
def test_public_xes_logs_give_pm4py_results(name: str) -> None:
    # Given a public log read by each library's own XES reader
    path = DATA / name
    theirs = oracle.reference(pm4py.read_xes(str(path)))

    # When Keel analyses it
    mine = oracle.ours(read_xes(path))

    # Then every answer is pm4py's
    oracle.assert_same_as_pm4py(mine, theirs)


def test_the_repair_log_has_the_sizes_pm4py_reports() -> None:
    log = read_xes(DATA / "03_repairExample.xes.gz")

    assert (log.event_count, log.case_count) == (11855, 1104)


@pytest.mark.parametrize("reader", [read_json, read_sqlite], ids=["json", "sqlite"])
def test_every_object_type_of_the_ocel_example_flattens_like_pm4py(reader: object) -> None:
    # Given the OCEL 2.0 example in JSON and SQLite
    suffix = ".jsonocel" if reader is read_json else ".sqlite"
    path = DATA / f"ocel20_example{suffix}"
    ocel_log = reader(path)  # type: ignore[operator]
    theirs_log = (pm4py.read_ocel2_json if reader is read_json else pm4py.read_ocel2_sqlite)(str(path))

    for object_type in sorted(ocel_log.object_types):
        # When each object type is the case notion
        flat = pm4py.ocel_flattening(theirs_log, object_type)
        mine = oracle.ours(flatten(ocel_log, object_type))

        # Then the answers are pm4py's
        oracle.assert_same_as_pm4py(mine, oracle.reference(flat))


def tied_log(seed: int, cases: int = 300) -> EventLog:
    """A random log with many equal timestamps, fractional seconds and shuffled rows."""
    rng = np.random.default_rng(seed)
    activities = ["receive", "check", "approve", "reject", "pick", "pack", "ship", "bill"]
    start = datetime(2025, 3, 30, 22, 0, tzinfo=UTC)
    rows = []
    for case in range(cases):
        moment = start + timedelta(minutes=int(rng.integers(0, 5000)))
        for _ in range(int(rng.integers(1, 12))):
            # steps of whole minutes (ties) or odd milliseconds (fractions)
            if rng.random() < 0.5:
                moment += timedelta(minutes=int(rng.integers(0, 3)))
            else:
                moment += timedelta(milliseconds=int(rng.integers(1, 10_000_000)))
            rows.append((f"case-{case}", str(rng.choice(activities)), moment))
    order = rng.permutation(len(rows))
    frame = pl.DataFrame(
        [rows[index] for index in order],
        schema={"case_id": pl.String, "activity": pl.String, "timestamp": pl.Datetime("us", "UTC")},
        orient="row",
    )
    return EventLog.from_frame(frame)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ties_keep_input_order_as_in_pm4py(seed: int) -> None:
    # Given a shuffled log where many events of a case share a timestamp
    rows = tied_log(seed).frame
    shuffled = rows.sample(fraction=1.0, shuffle=True, seed=seed)
    mine_log = EventLog.from_frame(shuffled)

    # When both libraries get the same rows in the same order
    theirs = oracle.reference(oracle.as_pandas(EventLog(shuffled)))

    # Then the answers are the same
    oracle.assert_same_as_pm4py(oracle.ours(mine_log), theirs)


def test_an_exported_xes_file_reads_back_the_same_in_keel_and_in_pm4py(tmp_path: Path) -> None:
    # Given the repair log written back out by Keel
    original = read_xes(DATA / "03_repairExample.xes.gz")
    path = tmp_path / "repair.xes.gz"
    write_xes(original, path)

    # When both read the export
    again = read_xes(path)

    # Then nothing was lost, and pm4py agrees with Keel on it
    assert again.frame.equals(original.frame.select(again.frame.columns))
    oracle.assert_same_as_pm4py(oracle.ours(again), oracle.reference(pm4py.read_xes(str(path))))


@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_token_replay_fitness_equals_pm4py_on_discovered_models(noise: float) -> None:
    # Given the repair log and a model pm4py's inductive miner discovers from it
    path = DATA / "03_repairExample.xes.gz"
    frame = pm4py.read_xes(str(path))
    net, initial, final = pm4py.discover_petri_net_inductive(frame, noise_threshold=noise)
    expected = pm4py.fitness_token_based_replay(frame, net, initial, final)

    # When Keel replays the log on the same net
    _, fitness = replay_log(read_xes(path), oracle.from_pm4py_net(net, initial, final))

    # Then the log fitness is pm4py's, and so are the trace-level figures
    assert fitness.log_fitness == expected["log_fitness"]
    assert fitness.percentage_of_fitting_traces == expected["percentage_of_fitting_traces"]
    assert math.isclose(fitness.average_trace_fitness, expected["average_trace_fitness"], rel_tol=1e-12)


def test_token_replay_fitness_equals_pm4py_on_a_workflow_model() -> None:
    # Given an intended repair process written as a workflow (with a choice and an option)
    net = from_workflow({"sequence": [
        "Register", "Analyze Defect", {"choice": ["Repair (Simple)", "Repair (Complex)"]},
        "Test Repair", {"optional": "Inform User"}, "Archive Repair",
    ]})
    path = DATA / "03_repairExample.xes.gz"
    expected = pm4py.fitness_token_based_replay(pm4py.read_xes(str(path)), *oracle.to_pm4py_net(net))

    # When Keel replays the log on it
    _, fitness = replay_log(read_xes(path), net)

    # Then the fitness is pm4py's
    assert fitness.log_fitness == pytest.approx(expected["log_fitness"], rel=1e-12)
    assert fitness.percentage_of_fitting_traces == expected["percentage_of_fitting_traces"]


# pm4py.fitness_token_based_replay on the Sepsis log and this net answers log fitness 1.0,
# average trace fitness 1.0 and 100% fitting traces (measured with pm4py 2.7; its replay
# of this log takes minutes here, so the figures are written down, the net is pm4py's).
SEPSIS_PM4PY_FITNESS = {"log_fitness": 1.0, "average_trace_fitness": 1.0, "percentage_of_fitting_traces": 100.0}


def test_token_replay_reaches_pm4py_s_fitness_through_deep_silent_chains() -> None:
    # Given the Sepsis log and the inductive miner's model of it, whose final marking is
    # reached only through long chains of silent transitions (one skip per branch)
    path = DATA / "13_SEPSIS_1t_per_variant.xes.gz"
    net, initial, final = pm4py.discover_petri_net_inductive(pm4py.read_xes(str(path)), noise_threshold=0.0)
    ours = oracle.from_pm4py_net(net, initial, final)
    assert sum(1 for transition in ours.transitions if transition.label is None) == 34

    # When Keel replays the log on it
    cases, fitness = replay_log(read_xes(path), ours)

    # Then every trace fits, as in pm4py
    assert {"log_fitness": fitness.log_fitness, "average_trace_fitness": fitness.average_trace_fitness,
            "percentage_of_fitting_traces": fitness.percentage_of_fitting_traces} == SEPSIS_PM4PY_FITNESS
    assert cases.height == 846
