"""`keel mine`: one JSON object with pm4py's answers, clear errors, and the simulator's log."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from keel.analytics.process_mining import flatten
from keel.analytics.process_mining.tests import oracle
from keel.core.system import system_actor
from keel.events import ocel, selectors
from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario

DATA = Path(__file__).resolve().parents[2] / "analytics" / "process_mining" / "tests" / "data"
KEYS = ["dfg", "performance", "start_activities", "end_activities", "variants", "case_durations"]


def mine(*args: str) -> str:
    out = io.StringIO()
    call_command("mine", *args, stdout=out)
    return out.getvalue()


def test_mine_prints_one_json_object_for_an_xes_file() -> None:
    # When the repair log is mined
    result = json.loads(mine(str(DATA / "03_repairExample.xes.gz"), "--json"))

    # Then the object has the documented keys and pm4py's numbers
    assert list(result) == KEYS
    theirs = oracle.reference(oracle.pm4py.read_xes(str(DATA / "03_repairExample.xes.gz")))
    assert {(arc["source"], arc["target"]): arc["frequency"] for arc in result["dfg"]} == theirs["dfg"]
    assert result["start_activities"] == theirs["start"]
    assert result["end_activities"] == theirs["end"]
    assert {tuple(v["activities"]): v["count"] for v in result["variants"]} == theirs["variants"]
    assert result["case_durations"] == theirs["durations"]
    first = result["performance"][0]
    assert list(first) == ["source", "target", "mean", "median", "min", "max", "sum", "stdev"]


def test_mine_flattens_ocel_on_the_case_notion_and_reads_mapped_csv(tmp_path: Path) -> None:
    result = json.loads(mine(str(DATA / "ocel20_example.sqlite"), "--case-notion", "Invoice", "--json"))
    assert result["start_activities"] == {"Insert Invoice": 3}

    path = tmp_path / "orders.csv"
    path.write_text("order,step,at\no1,pick,2024-01-01 08:00\no1,ship,2024-01-01 09:30\n")
    result = json.loads(mine(str(path), "--case-column", "order", "--activity-column", "step",
                             "--timestamp-column", "at", "--json"))
    assert result["dfg"] == [{"source": "pick", "target": "ship", "frequency": 1}]
    assert result["performance"][0]["stdev"] is None
    assert result["case_durations"] == {"o1": 5400.0}


def test_mine_without_json_prints_a_readable_summary() -> None:
    output = mine(str(DATA / "03_repairExample.xes.gz"))

    assert output.startswith("11855 events in 1104 cases")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.xes"], "missing.xes: no such file"),
        ([str(DATA / "ocel20_example.jsonocel")], "needs a case notion (--case-notion)"),
        ([str(DATA / "README.md")], "unknown file type"),
    ],
)
def test_mine_reports_bad_input_as_a_command_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        mine(*args)


@pytest.mark.django_db(transaction=False)
def test_the_simulated_company_log_gives_pm4py_results_for_every_object_type() -> None:
    # Given a few simulated days exported as OCEL 2.0, as `keel export-ocel` writes it
    with transaction.atomic():
        simulate(Scenario.from_dict({"days": 3, "orders_per_day": 10, "items": 12, "seed": 5}),
                 start=date(2026, 3, 2))
        log = selectors.export_log(actor=system_actor())
        transaction.set_rollback(True)
    counts: dict[str, int] = {}
    for item in log.objects:
        counts[item.type] = counts.get(item.type, 0) + 1
    assert counts.get("sales_order", 0) > 10

    # When each object type with events is the case notion
    for object_type in sorted(counts):
        flat = flatten(log, object_type)
        if flat.event_count == 0:
            continue
        # Then Keel's answers are pm4py's on the same table
        oracle.assert_same_as_pm4py(oracle.ours(flat), oracle.reference(oracle.as_pandas(flat)))


def test_an_ocel_export_can_be_mined_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonocel"
    ocel.write_log(ocel.read_log(DATA / "ocel20_example.sqlite"), path)

    result = json.loads(mine(str(path), "--case-notion", "Purchase Order", "--json"))

    assert sum(variant["count"] for variant in result["variants"]) == len(result["case_durations"])
