"""The bulk path writes what the services write: the same events, links, objects, order
states and ledger for the same scenario and seed, consistent with ``check_ledger``."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models, transaction

from keel.core.context import RequestMeta, request_meta
from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario
from keel.supply_chain.services import check_ledger

pytestmark = pytest.mark.django_db

# Small, but with every kind of fact: rework, backorders released by receipts, partial states at the end.
SCENARIO = {
    "days": 12, "orders_per_day": 12, "items": 10, "seed": 7,
    "warehouse": {"min_days": 1, "max_days": 3},
    "problems": [{"kind": "address_rework", "share": 0.1},
                 {"kind": "skipped_quality_check", "site": "cmh", "team": "Picking"}],
}
START = date(2026, 6, 1)

SIGNATURE_SQL = {
    "events per activity": """
        SELECT t.name, COUNT(*), COUNT(e.site_id), COUNT(e.actor_id), COUNT(e.department_id),
               MIN(e.occurred_at), MAX(e.occurred_at)
        FROM events_event e JOIN events_eventtype t ON t.id = e.event_type_id GROUP BY t.name""",
    "links per activity, qualifier and object type": """
        SELECT t.name, l.qualifier, ot.name, COUNT(*)
        FROM events_eventobjectlink l JOIN events_event e ON e.id = l.event_id
        JOIN events_eventtype t ON t.id = e.event_type_id JOIN events_eventobject o ON o.id = l.object_id
        JOIN events_objecttype ot ON ot.id = o.object_type_id GROUP BY t.name, l.qualifier, ot.name""",
    "relations": """
        SELECT l.qualifier, st.name, tt.name, COUNT(*) FROM events_objectrelation l
        JOIN events_eventobject s ON s.id = l.source_id JOIN events_objecttype st ON st.id = s.object_type_id
        JOIN events_eventobject o ON o.id = l.target_id JOIN events_objecttype tt ON tt.id = o.object_type_id
        GROUP BY l.qualifier, st.name, tt.name""",
    "objects": """
        SELECT ot.name, COUNT(*), COUNT(o.site_id) FROM events_eventobject o
        JOIN events_objecttype ot ON ot.id = o.object_type_id GROUP BY ot.name""",
    "event types": "SELECT name, attributes FROM events_eventtype",
    "orders": """
        SELECT status, COUNT(*), COUNT(confirmed_at), COUNT(last_allocated_at), MIN(ship_to_address)
        FROM orders_salesorder GROUP BY status""",
    "lines": """
        SELECT status, COUNT(*), SUM(quantity), SUM(allocated_quantity), SUM(picked_quantity), SUM(packed_quantity),
               SUM(shipped_quantity) FROM orders_salesorderline GROUP BY status""",
    "allocations": "SELECT COUNT(*), SUM(quantity), SUM(picked_quantity), SUM(shipped_quantity) FROM orders_allocation",
    "pick lists": "SELECT status, COUNT(*), COUNT(picked_at) FROM orders_picklist GROUP BY status",
    "pick lines": "SELECT COUNT(*), SUM(quantity), SUM(picked_quantity) FROM orders_picklistline",
    "shipments": "SELECT status, COUNT(*), SUM(shipping_cost), COUNT(delivered_at) FROM orders_shipment GROUP BY status",
    "shipment lines": "SELECT COUNT(*), SUM(quantity) FROM orders_shipmentline",
    "packages": "SELECT COUNT(*), SUM(weight_kg), COUNT(shipment_id) FROM orders_package",
    "package lines": "SELECT COUNT(*), SUM(quantity) FROM orders_packageline",
    "customers": "SELECT COUNT(*), MIN(code), MAX(code), COUNT(channel_id) FROM orders_customer",
    "movements": """
        SELECT reason, reference LIKE 'sales_order:%', COUNT(*), SUM(quantity), SUM(reserved_quantity),
               COUNT(DISTINCT posting), COUNT(actor_id)
        FROM supply_chain_stockmovement GROUP BY reason, reference LIKE 'sales_order:%'""",
    "balances": "SELECT COUNT(*), SUM(on_hand), SUM(reserved) FROM supply_chain_stockbalance",
    "purchase orders": """
        SELECT status, COUNT(*), COUNT(received_at), COUNT(approved_by_id), COUNT(sent_at)
        FROM supply_chain_purchaseorder GROUP BY status""",
    "purchase lines": """
        SELECT COUNT(*), SUM(ordered_quantity), SUM(received_quantity), SUM(rejected_quantity)
        FROM supply_chain_purchaseorderline""",
    "receipts": "SELECT COUNT(*), COUNT(posting), COUNT(received_by_id) FROM supply_chain_receipt",
    "receipt lines": """
        SELECT COUNT(*), SUM(accepted_quantity), SUM(rejected_quantity), SUM(open_quantity_before), COUNT(location_id)
        FROM supply_chain_receiptline""",
}


def attribute_shapes() -> list[tuple[str, str]]:
    """Each event's activity and attribute text with every run of digits as one "9": the exact
    JSON (keys, order, quoting, spacing) without the keys and amounts that differ between runs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT t.name, e.attributes FROM events_event e JOIN events_eventtype t ON t.id = e.event_type_id")
        rows = cursor.fetchall()
    return sorted((name, re.sub(r"\d+", "9", text if isinstance(text, str) else json.dumps(text))) for name, text in rows)


def indexes() -> list[tuple[tuple[str, str], str]]:
    """Every index of the event log's tables: ((table, name), definition)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'events_%%' "
                           "AND schemaname = current_schema()")
        else:
            cursor.execute("SELECT tbl_name, name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' "
                           "AND tbl_name LIKE 'events_%%'")
        return sorted(((table, name), definition) for table, name, definition in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_a_failed_bulk_run_leaves_the_indexes_as_they_were() -> None:
    # Given a bulk run whose writer fails on its first batch (a key already taken)
    from keel.simulation.engine import run
    from keel.simulation.sinks.bulk import BulkSink
    from keel.simulation.sinks.writer import WriterFailed

    before = indexes()
    sink = BulkSink(batch_events=500)
    original_setup = sink.setup

    def setup_then_clash(world: Any) -> None:
        original_setup(world)
        sink.next["event"] -= 1  # the first event's key is the last one setup wrote

    sink.setup = setup_then_clash  # type: ignore[method-assign]

    def run_then_abort() -> None:  # what the runner does when a run fails
        try:
            run(Scenario.from_dict({**SCENARIO, "seed": 11}), sink, start=START)
        except BaseException:
            sink.abort()
            raise

    # When it runs and fails
    with request_meta(RequestMeta(channel="simulation")), pytest.raises(WriterFailed, match=r"(?i)unique|duplicate"):
        run_then_abort()

    # Then the deferred indexes were built again: the schema is the migrations' own
    assert sink.deferred_indexes == []
    assert indexes() == before


@pytest.mark.django_db(transaction=True)
def test_a_bulk_run_builds_the_indexes_a_killed_run_left_dropped() -> None:
    # Given a bulk run killed outright after dropping its deferred indexes (no finish, no abort)
    from keel.simulation.sinks.bulk import BulkSink

    before = indexes()
    killed = BulkSink()
    killed.defer_indexes()
    dropped = sorted(name for name, _ in killed.deferred_indexes)
    assert len(dropped) >= 7
    assert sorted(name for (_, name), _ in set(before) - set(indexes())) == dropped

    # When the next bulk run starts
    with request_meta(RequestMeta(channel="simulation")):
        simulate(Scenario.from_dict({**SCENARIO, "days": 2}), start=START, bulk=True)

    # Then the schema is the migrations' own again
    assert indexes() == before
    if connection.vendor == "postgresql":  # and the planner has statistics for the loaded tables
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                           "AND relname IN ('events_event', 'events_eventobjectlink', 'orders_salesorder')")
            assert sorted(name for (name,) in cursor.fetchall()) == [
                "events_event", "events_eventobjectlink", "orders_salesorder"]


def _text(value: Any) -> str:
    if isinstance(value, float) or type(value).__name__ == "Decimal":
        return f"{float(value):.4f}"
    return str(value)


def signature() -> dict[str, list[tuple[str, ...]]]:
    """What the database holds, without keys: counts, sums and distinct shapes per table."""
    found = {}
    with connection.cursor() as cursor:
        for name, sql in SIGNATURE_SQL.items():
            cursor.execute(sql)
            found[name] = sorted(tuple(_text(value) for value in row) for row in cursor.fetchall())
    return found


def orphans() -> list[str]:
    """Foreign keys of the simulated tables that point nowhere."""
    found = []
    with connection.cursor() as cursor:
        for label in ("orders", "supply_chain", "events"):
            for model in apps.get_app_config(label).get_models():
                for fk in model._meta.concrete_fields:
                    if not isinstance(fk, models.ForeignKey):
                        continue
                    child, parent = model._meta.db_table, fk.related_model._meta.db_table
                    cursor.execute(f"SELECT COUNT(*) FROM {child} c LEFT JOIN {parent} p ON p.id = c.{fk.column} "  # noqa: S608
                                   f"WHERE c.{fk.column} IS NOT NULL AND p.id IS NULL")
                    (count,) = cursor.fetchone()
                    if count:
                        found.append(f"{child}.{fk.column}: {count}")
    return found


def test_bulk_writes_what_the_services_write() -> None:
    # Given the same scenario and seed, simulated once through the services (then rolled back)
    scenario = Scenario.from_dict(SCENARIO)
    with request_meta(RequestMeta(channel="simulation")):
        with transaction.atomic():
            services = simulate(scenario, start=START)
            expected = signature()
            expected_attributes = attribute_shapes()
            transaction.set_rollback(True)

        # When it is simulated in bulk
        bulk = simulate(scenario, bulk=True, start=START)

    # Then the database holds the same facts in the same shape, and the ledger holds
    assert bulk.world.totals == services.world.totals
    assert bulk.world.totals.backorders > 0
    assert bulk.world.totals.receipts > 0
    assert bulk.world.totals.reworked > 0
    assert signature() == expected
    assert attribute_shapes() == expected_attributes
    assert check_ledger() == []
    assert orphans() == []


def test_bulk_counts_match_the_simulation() -> None:
    # Given a scenario, when it is simulated in bulk in several small batches
    scenario = Scenario.from_dict({**SCENARIO, "seed": 11})
    from keel.simulation.sinks import bulk as bulk_module

    sink = bulk_module.BulkSink(batch_events=500)
    from keel.simulation.engine import run

    with request_meta(RequestMeta(channel="simulation")):
        world = run(scenario, sink, start=START)

    # Then every order, customer and event the simulation counted is in the database
    totals = world.totals
    with connection.cursor() as cursor:
        counts = {}
        for activity in ("Create order", "Ship order", "Confirm delivery", "Correct address", "Create customer",
                         "Work shift", "Receive purchase order", "Create purchase order"):
            cursor.execute("SELECT COUNT(*) FROM events_event e JOIN events_eventtype t ON t.id = e.event_type_id "
                           "WHERE t.name = %s", [activity])
            counts[activity] = cursor.fetchone()[0]
    assert counts == {
        "Create order": totals.orders, "Ship order": totals.shipped, "Confirm delivery": totals.delivered,
        "Correct address": totals.reworked, "Create customer": totals.customers, "Work shift": totals.shifts,
        "Receive purchase order": totals.receipts, "Create purchase order": totals.purchase_orders,
    }
    assert sink.written["event"] > 500
    assert check_ledger() == []
    assert orphans() == []


@pytest.mark.django_db(transaction=True)
def test_bulk_writes_the_same_from_its_writer_process() -> None:
    # Given the scenario written in bulk in this process (inside a transaction, then rolled back)
    scenario = Scenario.from_dict({**SCENARIO, "seed": 11})
    from keel.simulation.engine import run
    from keel.simulation.sinks.bulk import BulkSink

    with request_meta(RequestMeta(channel="simulation")):
        with transaction.atomic():
            in_process = BulkSink(batch_events=500)
            run(scenario, in_process, start=START)
            expected = signature()
            transaction.set_rollback(True)

        # When it is written by the writer process, in several batches, outside any transaction
        before = indexes()
        sink = BulkSink(batch_events=500)
        run(scenario, sink, start=START)

    # Then the writer process was used, the event log's indexes were built after the load (the
    # same definitions as before), and the database holds the same facts, consistently
    assert in_process.batches_handed_over == 0
    assert in_process.deferred_indexes == []
    assert in_process.index_seconds == 0
    assert sink.batches_handed_over == 4
    assert sink.index_seconds > 0
    assert indexes() == before
    assert ("events_eventobjectlink", "events_even_object__5571c6_idx") in {key for key, _ in before}
    assert sink.written == in_process.written
    assert signature() == expected
    assert check_ledger() == []
    assert orphans() == []
