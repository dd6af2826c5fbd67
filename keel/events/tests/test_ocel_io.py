"""Reading and writing OCEL 2.0 logs (keel.events.ocel) against the standard's example log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from keel.events.ocel import (
    AttributeDecl,
    ObjectAttributeValue,
    OcelEvent,
    OcelFormatError,
    OcelLog,
    OcelObject,
    Relationship,
    format_for,
    read_json,
    read_log,
    read_sqlite,
    write_json,
    write_log,
    write_sqlite,
)

DATA = Path(__file__).parent / "data"
SAMPLE_JSON = DATA / "ocel20_example.jsonocel"
SAMPLE_SQLITE = DATA / "ocel20_example.sqlite"

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Fact = tuple[object, ...]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def facts(log: OcelLog) -> set[Fact]:
    """Everything a log says, as a set of tuples, so logs compare regardless of order."""
    result: set[Fact] = set()
    for name, declarations in log.object_types.items():
        result.add(("object type", name, tuple(declarations)))
    for name, declarations in log.event_types.items():
        result.add(("event type", name, tuple(declarations)))
    for item in log.objects:
        result.add(("object", item.id, item.type))
        result.update(("value", item.id, v.name, v.time, v.value) for v in item.attributes)
        result.update(("o2o", item.id, r.target_id, r.qualifier) for r in item.relationships)
    for event in log.events:
        result.add(("event", event.id, event.type, event.time))
        result.update(
            ("attribute", event.id, name, value) for name, value in event.attributes.items()
        )
        result.update(("e2o", event.id, r.target_id, r.qualifier) for r in event.relationships)
    return result


def shifted(log: OcelLog, offset: timedelta) -> OcelLog:
    """The same log with every time moved by an offset."""
    return OcelLog(
        object_types=log.object_types,
        event_types=log.event_types,
        objects=[
            OcelObject(
                item.id,
                item.type,
                [ObjectAttributeValue(v.name, v.time + offset, v.value) for v in item.attributes],
                item.relationships,
            )
            for item in log.objects
        ],
        events=[
            OcelEvent(e.id, e.type, e.time + offset, e.attributes, e.relationships)
            for e in log.events
        ],
    )


def by_id(log: OcelLog) -> tuple[dict[str, OcelObject], dict[str, OcelEvent]]:
    return {o.id: o for o in log.objects}, {e.id: e for e in log.events}


def minimal_document() -> dict[str, Any]:
    """A small valid OCEL 2.0 JSON document that tests break in one place at a time."""
    return {
        "objectTypes": [{"name": "Order", "attributes": [{"name": "amount", "type": "integer"}]}],
        "eventTypes": [{"name": "Place order", "attributes": []}],
        "objects": [
            {
                "id": "o1",
                "type": "Order",
                "attributes": [{"name": "amount", "time": "1970-01-01T00:00:00Z", "value": 3}],
            }
        ],
        "events": [
            {
                "id": "e1",
                "type": "Place order",
                "time": "2024-05-01T10:00:00+02:00",
                "relationships": [{"objectId": "o1", "qualifier": "placed"}],
            }
        ],
    }


def problems_reading(tmp_path: Path, document: object) -> list[tuple[str, str]]:
    path = tmp_path / "broken.jsonocel"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(OcelFormatError) as caught:
        read_json(path)
    return caught.value.problems


def schema(path: Path) -> dict[str, tuple[list[Fact], list[Fact]]]:
    """Per table: columns (name, declared type, primary-key position) and foreign keys."""
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            table: (
                [(r[1], r[2], r[5]) for r in connection.execute(f'PRAGMA table_info("{table}")')],
                sorted(
                    (r[2], r[3], r[4])
                    for r in connection.execute(f'PRAGMA foreign_key_list("{table}")')
                ),
            )
            for table in tables
        }


# --- the sample log -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reader", [lambda: read_json(SAMPLE_JSON), lambda: read_sqlite(SAMPLE_SQLITE)]
)
def test_sample_counts(reader: Callable[[], OcelLog]) -> None:
    log = reader()
    assert len(log.events) == 13
    assert len(log.objects) == 9
    assert list(log.object_types) == [
        "Invoice",
        "Payment",
        "Purchase Order",
        "Purchase Requisition",
    ]
    assert len(log.event_types) == 8
    assert sum(len(e.relationships) for e in log.events) == 20  # E2O
    assert sum(len(o.relationships) for o in log.objects) == 7  # O2O
    assert sum(len(o.attributes) for o in log.objects) == 12
    # File order is kept.
    assert [e.id for e in log.events] == [f"e{n}" for n in range(1, 14)]
    assert [o.id for o in log.objects] == ["R1", "R2", "R3", "P1", "P2", "P3", "PO1", "PO2", "PR1"]


def test_sample_type_declarations() -> None:
    log = read_json(SAMPLE_JSON)
    assert log.object_types["Payment"] == []
    assert log.object_types["Purchase Order"] == [
        AttributeDecl("po_product", "string"),
        AttributeDecl("po_quantity", "string"),
    ]
    assert log.event_types["Change PO Quantity"] == [AttributeDecl("po_editor", "string")]
    assert read_sqlite(SAMPLE_SQLITE).object_types == log.object_types
    assert read_sqlite(SAMPLE_SQLITE).event_types == log.event_types


def test_sample_json_event() -> None:
    _, events = by_id(read_json(SAMPLE_JSON))
    assert events["e3"] == OcelEvent(
        id="e3",
        type="Create Purchase Order",
        time=utc(2022, 1, 10, 8, 15),
        attributes={"po_creator": "Mike"},
        relationships=[
            Relationship("PR1", "Created order from PR"),
            Relationship("PO1", "Created order with identifier"),
        ],
    )
    assert events["e3"].time.tzinfo is UTC


def test_sample_json_object_history() -> None:
    objects, _ = by_id(read_json(SAMPLE_JSON))
    assert objects["PO1"].attributes == [
        ObjectAttributeValue("po_product", EPOCH, "Cows"),
        ObjectAttributeValue("po_quantity", EPOCH, "500"),
        ObjectAttributeValue("po_quantity", utc(2022, 1, 13, 11), "600"),
    ]
    assert objects["PO1"].relationships == [
        Relationship("R1", "Invoice from PO"),
        Relationship("R2", "Invoice from PO"),
    ]
    assert [(v.time, v.value) for v in objects["R3"].attributes] == [
        (EPOCH, "No"),
        (utc(2022, 2, 3, 6, 30), "Yes"),
        (utc(2022, 2, 3, 22, 30), "No"),
    ]
    # Objects without attributes or relationships in the file.
    assert objects["P1"] == OcelObject("P1", "Payment", [], [])


def test_sample_sqlite_event_and_object_history() -> None:
    objects, events = by_id(read_sqlite(SAMPLE_SQLITE))
    # The file holds '2022-01-13 12:00:00' (naive), read as UTC.
    assert events["e4"] == OcelEvent(
        id="e4",
        type="Change PO Quantity",
        time=utc(2022, 1, 13, 12),
        attributes={"po_editor": "Mike"},
        relationships=[Relationship("PO1", "Change of quantity")],
    )
    initial = utc(1970, 1, 1, 1)  # the file's '1970-01-01 01:00:00'
    assert objects["PO1"].attributes == [
        ObjectAttributeValue("po_product", initial, "Cows"),
        ObjectAttributeValue("po_quantity", initial, "500"),
        ObjectAttributeValue("po_quantity", utc(2022, 1, 13, 12), "600"),
    ]
    assert objects["PR1"].relationships == [Relationship("PO1", "PO from PR")]
    assert objects["P3"].attributes == []


def test_sample_sqlite_is_the_json_log_one_hour_later() -> None:
    # The sample SQLite file was written with Central European wall-clock times.
    json_log = read_json(SAMPLE_JSON)
    sqlite_log = read_sqlite(SAMPLE_SQLITE)
    assert facts(shifted(json_log, timedelta(hours=1))) == facts(sqlite_log)


# --- round trips ----------------------------------------------------------------------------


def test_json_round_trip(tmp_path: Path) -> None:
    log = read_json(SAMPLE_JSON)
    write_json(log, tmp_path / "copy.jsonocel")
    assert read_json(tmp_path / "copy.jsonocel") == log


def test_json_time_format(tmp_path: Path) -> None:
    write_json(read_json(SAMPLE_JSON), tmp_path / "copy.json")
    document = json.loads((tmp_path / "copy.json").read_text(encoding="utf-8"))
    assert list(document) == ["objectTypes", "eventTypes", "objects", "events"]
    po1 = next(o for o in document["objects"] if o["id"] == "PO1")
    assert [a["time"] for a in po1["attributes"]] == [
        "1970-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "2022-01-13T11:00:00+00:00",
    ]
    assert document["events"][0] == {
        "id": "e1",
        "type": "Create Purchase Requisition",
        "time": "2022-01-09T14:00:00+00:00",
        "attributes": [{"name": "pr_creator", "value": "Mike"}],
        "relationships": [{"objectId": "PR1", "qualifier": "Regular placement of PR"}],
    }


def test_json_to_sqlite_round_trip(tmp_path: Path) -> None:
    log = read_json(SAMPLE_JSON)
    write_sqlite(log, tmp_path / "copy.sqlite")
    again = read_sqlite(tmp_path / "copy.sqlite")
    assert facts(again) == facts(log)
    assert again == log  # order is kept too


def test_sqlite_to_json_round_trip(tmp_path: Path) -> None:
    log = read_sqlite(SAMPLE_SQLITE)
    write_json(log, tmp_path / "copy.json")
    assert read_json(tmp_path / "copy.json") == log


def test_sqlite_round_trip(tmp_path: Path) -> None:
    log = read_sqlite(SAMPLE_SQLITE)
    write_sqlite(log, tmp_path / "copy.db")
    assert read_sqlite(tmp_path / "copy.db") == log


def test_written_sqlite_schema_matches_the_sample(tmp_path: Path) -> None:
    write_sqlite(read_json(SAMPLE_JSON), tmp_path / "copy.sqlite")
    assert schema(tmp_path / "copy.sqlite") == schema(SAMPLE_SQLITE)
    with sqlite3.connect(tmp_path / "copy.sqlite") as connection:
        rows = connection.execute("SELECT * FROM object_PurchaseOrder ORDER BY rowid").fetchall()
        maps = connection.execute("SELECT * FROM object_map_type ORDER BY rowid").fetchall()
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert rows == [
        ("PO1", "Cows", "500", "1970-01-01 00:00:00", None),
        ("PO2", "Notebooks", "1", "1970-01-01 00:00:00", None),
        ("PO1", None, "600", "2022-01-13 11:00:00", "po_quantity"),
    ]
    assert maps == [
        ("Invoice", "Invoice"),
        ("Payment", "Payment"),
        ("Purchase Order", "PurchaseOrder"),
        ("Purchase Requisition", "PurchaseRequisition"),
    ]


def test_write_sqlite_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "log.sqlite"
    target.write_bytes(b"not a database at all")
    write_sqlite(read_json(SAMPLE_JSON), target)
    write_sqlite(read_json(SAMPLE_JSON), target)
    assert len(read_sqlite(target).events) == 13


def typed_log() -> OcelLog:
    """A log using every attribute type, odd type names and late first attribute values."""
    return OcelLog(
        object_types={
            "Purchase Order": [
                AttributeDecl("quantity", "integer"),
                AttributeDecl("price", "float"),
                AttributeDecl("urgent", "boolean"),
                AttributeDecl("due", "time"),
                AttributeDecl("note", "string"),
            ],
            "purchase-order": [],
            "PurchaseOrder2": [],
        },
        event_types={"Ship!": [AttributeDecl("weight", "float"), AttributeDecl("late", "boolean")]},
        objects=[
            OcelObject(
                "po:1",
                "Purchase Order",
                [
                    ObjectAttributeValue("quantity", EPOCH, 5),
                    ObjectAttributeValue("urgent", EPOCH, False),
                    ObjectAttributeValue("price", utc(2024, 3, 1), 2.5),
                    ObjectAttributeValue("urgent", utc(2024, 3, 2), True),
                    ObjectAttributeValue("due", utc(2024, 3, 2), utc(2024, 4, 1, 12)),
                    ObjectAttributeValue("note", utc(2024, 3, 3), "rush ✓"),
                ],
                [Relationship("po:2", "split into")],
            ),
            OcelObject("po:2", "purchase-order", [], []),
            OcelObject("po:3", "PurchaseOrder2", [], []),
        ],
        events=[
            OcelEvent(
                "e:1",
                "Ship!",
                datetime(2024, 3, 4, 9, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2))),
                {"weight": 12.0, "late": True},
                [Relationship("po:1", "ships"), Relationship("po:2", "ships")],
            )
        ],
    )


@pytest.mark.parametrize("name", ["log.jsonocel", "log.sqlite"])
def test_values_keep_their_declared_types(tmp_path: Path, name: str) -> None:
    write_log(typed_log(), tmp_path / name)
    log = read_log(tmp_path / name)
    assert facts(log) == facts(typed_log())
    objects, events = by_id(log)
    values = {(v.name, v.time): v.value for v in objects["po:1"].attributes}
    assert values[("quantity", EPOCH)] == 5
    assert type(values[("quantity", EPOCH)]) is int
    assert type(values[("price", utc(2024, 3, 1))]) is float
    assert values[("urgent", EPOCH)] is False
    assert values[("urgent", utc(2024, 3, 2))] is True
    assert values[("due", utc(2024, 3, 2))] == utc(2024, 4, 1, 12)
    assert events["e:1"].time == datetime(2024, 3, 4, 7, 30, 15, 250000, tzinfo=UTC)
    assert events["e:1"].attributes == {"weight": 12.0, "late": True}


def test_type_map_names_drop_punctuation_and_avoid_clashes(tmp_path: Path) -> None:
    write_sqlite(typed_log(), tmp_path / "log.sqlite")
    with sqlite3.connect(tmp_path / "log.sqlite") as connection:
        maps = connection.execute("SELECT * FROM object_map_type ORDER BY rowid").fetchall()
        event_maps = connection.execute("SELECT * FROM event_map_type").fetchall()
        columns = [r[1] for r in connection.execute('PRAGMA table_info("object_PurchaseOrder")')]
        types = [r[2] for r in connection.execute('PRAGMA table_info("object_PurchaseOrder")')]
    # "purchase-order" clashes with "PurchaseOrder" ignoring case, as SQLite table names do;
    # its suffix skips 2, which "PurchaseOrder2" has without one.
    assert maps == [
        ("Purchase Order", "PurchaseOrder"),
        ("purchase-order", "purchaseorder3"),
        ("PurchaseOrder2", "PurchaseOrder2"),
    ]
    assert event_maps == [("Ship!", "Ship")]
    assert columns == [
        "ocel_id",
        "quantity",
        "price",
        "urgent",
        "due",
        "note",
        "ocel_time",
        "ocel_changed_field",
    ]
    assert types == ["TEXT", "INTEGER", "REAL", "BOOLEAN", "TIMESTAMP", "TEXT", "TIMESTAMP", "TEXT"]


def test_read_json_coerces_values_to_declared_types(tmp_path: Path) -> None:
    document = minimal_document()
    document["objects"][0]["attributes"][0]["value"] = "42"
    path = tmp_path / "log.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    log = read_json(path)
    assert log.objects[0].attributes == [ObjectAttributeValue("amount", EPOCH, 42)]
    assert log.events[0].time == utc(2024, 5, 1, 8)


# --- broken input ---------------------------------------------------------------------------


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(OcelFormatError) as caught:
        read_json(path)
    [(location, message)] = caught.value.problems
    assert location == "file"
    assert message.startswith("not JSON: ")


def test_top_level_not_an_object(tmp_path: Path) -> None:
    assert problems_reading(tmp_path, [1, 2]) == [("file", "the top level is not a JSON object")]


def test_missing_events(tmp_path: Path) -> None:
    document = minimal_document()
    del document["events"]
    assert problems_reading(tmp_path, document) == [("events", "missing")]


def test_relationship_to_unknown_object(tmp_path: Path) -> None:
    document = minimal_document()
    document["events"][0]["relationships"][0]["objectId"] = "nope"
    assert problems_reading(tmp_path, document) == [
        ("events[0].relationships[0].objectId", "unknown object id 'nope'")
    ]


def test_bad_time(tmp_path: Path) -> None:
    document = minimal_document()
    document["events"][0]["time"] = "yesterday"
    assert problems_reading(tmp_path, document) == [("events[0].time", "not an ISO 8601 time")]


def test_duplicate_event_id(tmp_path: Path) -> None:
    document = minimal_document()
    document["events"].append(dict(document["events"][0]))
    assert problems_reading(tmp_path, document) == [("events[1].id", "duplicate event id 'e1'")]


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    document = minimal_document()
    document["objectTypes"][0]["attributes"][0]["type"] = "int"
    document["objects"].append({"id": "o2", "type": "Customer"})
    document["events"] = [
        {"id": "e1", "type": "Pay", "time": "2024-05-01T10:00:00Z"},
        {"type": "Place order", "time": 5, "attributes": [{"name": "x", "value": 1}]},
        "e3",
    ]
    assert problems_reading(tmp_path, document) == [
        ("objectTypes[0].attributes[0].type", "unknown attribute type 'int'"),
        (
            "objects[0].attributes[0].name",
            "attribute 'amount' is not declared for object type 'Order'",
        ),
        ("objects[1].type", "unknown object type 'Customer'"),
        ("events[0].type", "unknown event type 'Pay'"),
        ("events[1].id", "missing"),
        ("events[1].time", "not an ISO 8601 time"),
        (
            "events[1].attributes[0].name",
            "attribute 'x' is not declared for event type 'Place order'",
        ),
        ("events[2]", "not a JSON object"),
    ]


def test_bad_attribute_value(tmp_path: Path) -> None:
    document = minimal_document()
    document["objects"][0]["attributes"][0]["value"] = "three"
    assert problems_reading(tmp_path, document) == [
        ("objects[0].attributes[0].value", "not an integer")
    ]


def test_error_message_lists_problems(tmp_path: Path) -> None:
    error = OcelFormatError([("events[0].time", "not an ISO 8601 time")])
    assert isinstance(error, ValueError)
    assert str(error) == "not valid OCEL 2.0 (1 problem): events[0].time: not an ISO 8601 time"


def test_sqlite_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    path.write_bytes(b"hello, this is not SQLite" * 100)
    with pytest.raises(OcelFormatError) as caught:
        read_sqlite(path)
    [(location, message)] = caught.value.problems
    assert location == "file"
    assert message.startswith("not a readable SQLite database")


def test_sqlite_missing_file_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_sqlite(tmp_path / "absent.sqlite")
    assert not (tmp_path / "absent.sqlite").exists()


def test_sqlite_missing_table(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    write_sqlite(read_json(SAMPLE_JSON), path)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE object_object")
    connection.close()
    with pytest.raises(OcelFormatError) as caught:
        read_sqlite(path)
    assert caught.value.problems == [("object_object", "missing table")]


def test_sqlite_broken_rows(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    write_sqlite(read_json(SAMPLE_JSON), path)
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO event_object VALUES ('e1', 'nope', 'q')")
        connection.execute("UPDATE event_InsertInvoice SET ocel_time = 'soon' WHERE ocel_id = 'e6'")
    connection.close()
    with pytest.raises(OcelFormatError) as caught:
        read_sqlite(path)
    assert caught.value.problems == [
        ("event_InsertInvoice[1].ocel_time", "not an ISO 8601 time"),
        ("event_object[20].ocel_object_id", "unknown object id 'nope'"),
    ]


def test_writing_an_invalid_log_leaves_the_file_alone(tmp_path: Path) -> None:
    log = read_json(SAMPLE_JSON)
    log.events[0].relationships.append(Relationship("ghost", "haunts"))
    log.events[1].attributes["po_editor"] = "Mike"  # not declared for this event type
    for name in ("log.json", "log.sqlite"):
        with pytest.raises(OcelFormatError) as caught:
            write_log(log, tmp_path / name)
        assert caught.value.problems == [
            ("events[0].relationships[1].target_id", "unknown object id 'ghost'"),
            ("events[1].attributes['po_editor']", "attribute 'po_editor' is not declared"),
        ]
        assert not (tmp_path / name).exists()


def test_naive_times_in_the_model_are_written_as_utc(tmp_path: Path) -> None:
    log = read_json(SAMPLE_JSON)
    log.events[0].time = datetime(2022, 1, 9, 14, 0)  # naive on purpose
    write_json(log, tmp_path / "log.json")
    assert read_json(tmp_path / "log.json").events[0].time == utc(2022, 1, 9, 14)


# --- formats by extension -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("log.json", "json"),
        ("log.JSONOCEL", "json"),
        ("log.sqlite", "sqlite"),
        ("log.sqlite3", "sqlite"),
        ("dir.v2/log.db", "sqlite"),
    ],
)
def test_format_for(name: str, expected: str) -> None:
    assert format_for(name) == expected


@pytest.mark.parametrize("name", ["log.xmlocel", "log.csv", "log"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    with pytest.raises(OcelFormatError) as caught:
        format_for(name)
    assert caught.value.problems[0][0] == "file"
    with pytest.raises(OcelFormatError):
        read_log(name)
    with pytest.raises(OcelFormatError):
        write_log(read_json(SAMPLE_JSON), tmp_path / name)


def test_read_log_dispatches_on_extension() -> None:
    assert read_log(SAMPLE_JSON) == read_json(SAMPLE_JSON)
    assert read_log(str(SAMPLE_SQLITE)) == read_sqlite(SAMPLE_SQLITE)
