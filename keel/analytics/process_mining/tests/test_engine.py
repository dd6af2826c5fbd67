"""The engine's own behaviour, with literal expected values: filters, rework, bottlenecks,
conformance deviations, file errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from keel.analytics.process_mining import (
    EventFileError,
    EventLog,
    EventLogError,
    WorkflowError,
    bottleneck_changes,
    deviation_summary,
    deviations,
    file_kind,
    filter_attribute_values,
    filter_case_duration_percentiles,
    filter_time_window,
    filter_variant_coverage,
    from_workflow,
    read_csv,
    read_event_file,
    read_xes,
    replay_trace,
    rework,
    throughput,
)


def log_of(*cases: tuple[str, str, list[str]]) -> EventLog:
    """Cases as (case id, team, activities), one hour apart from 08:00 on 2024-01-01."""
    rows = []
    for case, team, activities in cases:
        for hour, activity in enumerate(activities):
            rows.append((case, activity, datetime(2024, 1, 1, 8 + hour, tzinfo=UTC), team))
    frame = pl.DataFrame(rows, orient="row", schema={
        "case_id": pl.String, "activity": pl.String, "timestamp": pl.Datetime("us", "UTC"), "team": pl.String})
    return EventLog.from_frame(frame)


NET = from_workflow({"sequence": ["register", "check", "pack", "ship"]})


@pytest.mark.parametrize(
    ("activities", "expected"),
    [
        (["register", "check", "pack", "ship"], ()),
        (["register", "pack", "ship"], (("skipped", "check"),)),
        (["register", "check", "check", "pack", "ship"], (("repeated", "check"),)),
        (["register", "pack", "check", "ship"], (("out_of_order", "pack"),)),
        (["register", "check", "call", "pack", "ship"], (("unexpected", "call"),)),
        (["register", "check", "pack"], (("skipped", "ship"),)),
    ],
)
def test_each_kind_of_deviation_is_named(activities: list[str], expected: tuple[tuple[str, str], ...]) -> None:
    assert replay_trace(NET, activities).deviations == expected


def test_the_team_that_skips_a_step_tops_the_deviations_by_team() -> None:
    # Given team B skips the check in two of its three cases
    log = log_of(
        ("a1", "A", ["register", "check", "pack", "ship"]),
        ("a2", "A", ["register", "check", "check", "pack", "ship"]),
        ("b1", "B", ["register", "pack", "ship"]),
        ("b2", "B", ["register", "pack", "ship"]),
        ("b3", "B", ["register", "check", "pack", "ship"]),
    )

    # When deviations are counted by team
    summary = deviation_summary(log, NET, by="team")

    # Then skipping the check by team B comes first
    assert summary.rows() == [
        ("B", "skipped", "check", 2, 2 / 3),
        ("A", "repeated", "check", 1, 0.5),
    ]
    assert deviations(log, NET).height == 3


def test_rework_counts_cases_that_repeat_an_activity() -> None:
    log = log_of(("c1", "A", ["register", "fix", "fix", "fix"]), ("c2", "A", ["register", "fix"]))

    assert rework(log).rows() == [("fix", 2, 1, 2, 0.5), ("register", 2, 0, 0, 0.0)]


def test_bottleneck_changes_rank_the_hand_off_that_slowed_down() -> None:
    before = EventLog.from_rows([("a", "pick", "2024-01-01T08:00Z"), ("a", "pack", "2024-01-01T09:00Z"),
                                 ("a", "ship", "2024-01-01T10:00Z")])
    after = EventLog.from_rows([("b", "pick", "2024-02-01T08:00Z"), ("b", "pack", "2024-02-01T12:00Z"),
                                ("b", "ship", "2024-02-01T12:30Z")])

    assert bottleneck_changes(before, after).select("source", "target", "change").rows() == [
        ("pick", "pack", 10800.0), ("pack", "ship", -1800.0),
    ]


def test_throughput_counts_cases_by_the_day_they_end() -> None:
    log = EventLog.from_rows([("a", "x", "2024-01-01T08:00Z"), ("a", "y", "2024-01-02T08:00Z"),
                              ("b", "x", "2024-01-02T09:00Z"), ("c", "x", "2024-01-02T23:59Z")])

    assert [(period.day, count) for period, count in throughput(log).rows()] == [(2, 3)]


def test_filters_narrow_by_window_attribute_percentile_and_coverage() -> None:
    log = log_of(
        ("c1", "A", ["register", "ship"]),
        ("c2", "A", ["register", "ship"]),
        ("c3", "B", ["register", "check", "pack", "ship"]),
    )

    assert filter_attribute_values(log, "team", ["B"]).case_count == 1
    assert filter_attribute_values(log, "team", ["B"], keep=False).case_count == 2
    assert filter_variant_coverage(log, 0.6).case_count == 2
    slowest = filter_case_duration_percentiles(log, lower=0.9, upper=1.0)
    assert set(slowest.frame["case_id"]) == {"c3"}
    window = filter_time_window(log, start=datetime(2024, 1, 1, 8, tzinfo=UTC),
                                end=datetime(2024, 1, 1, 10, tzinfo=UTC))
    assert window.case_count == 2


def test_a_csv_with_mapped_columns_and_offsets(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("order;step;at\no1;pick;2024-01-01T10:00:00+02:00\no1;ship;2024-01-01T08:30:00Z\n")

    log = read_csv(path, case="order", activity="step", timestamp="at", separator=";")

    assert log.frame.select("activity").to_series().to_list() == ["pick", "ship"]
    assert log.frame["timestamp"][0] == datetime(2024, 1, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("case_id,activity,timestamp\nc1,a,2024-01-01\nc1,b,soon\n",
         "row 2: column 'timestamp' has 'soon', not an ISO 8601 time"),
        ("case_id,activity,timestamp\nc1,,2024-01-01\n", "row 1: column 'activity' has no value"),
        ("case,activity,timestamp\n", "column 'case_id' not found"),
    ],
)
def test_bad_csv_names_the_row_and_column(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)

    with pytest.raises(EventFileError, match=message.replace("(", r"\(")):
        read_csv(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<log><trace>", "line 1, column 12: not well-formed XML"),
        ('<log><trace><event><string key="concept:name" value="a"/></event></trace></log>',
         "trace 1 has no concept:name"),
        ('<log><trace><string key="concept:name" value="c"/><event><string key="concept:name" value="a"/>'
         '<date key="time:timestamp" value="later"/></event></trace></log>',
         "trace 1, event 1: time:timestamp 'later' is not an ISO 8601 time"),
        ('<log><trace><string key="concept:name" value="c"/><event><string key="concept:name" value="a"/>'
         '<int key="n" value="x"/></event></trace></log>', "trace 1, event 1, attribute 'n': 'x' is not an int"),
    ],
)
def test_bad_xes_names_the_trace_and_event(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.xes"
    path.write_text(content)

    with pytest.raises(EventFileError, match=message):
        read_xes(path)


def test_file_kinds_and_ocel_without_a_case_notion() -> None:
    assert file_kind("a.XES.GZ") == "xes"
    with pytest.raises(EventFileError, match="unknown file type"):
        file_kind("a.parquet")
    ocel = Path(__file__).parent / "data" / "ocel20_example.jsonocel"
    with pytest.raises(EventFileError, match="its object types are Invoice, Payment"):
        read_event_file(ocel)
    with pytest.raises(EventFileError, match="no object type 'Order'"):
        read_event_file(ocel, case_notion="Order")


def test_a_frame_missing_a_value_or_a_column_is_refused() -> None:
    with pytest.raises(EventLogError, match="column 'when' not found"):
        EventLog.from_frame(pl.DataFrame({"case_id": ["c"], "activity": ["a"]}), timestamp="when")
    with pytest.raises(WorkflowError, match=r"workflow.sequence\[1\]: unknown block 'loop'"):
        from_workflow({"sequence": ["a", {"loop": "b"}]})
