"""OCEL 2.0 logs through the database: import_log, export_log, and the files in between."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from conftest import row_counts as counts
from keel.audit.models import AuditRecord
from keel.core.errors import ValidationFailed
from keel.events import ocel, selectors, services
from keel.events.models import (
    Event,
    EventObject,
    EventObjectLink,
    ObjectRelation,
)
from keel.events.services import ObjectRef, record_event
from keel.organization.models import Person, Site

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "ocel20_example.jsonocel"




def normalise(log: ocel.OcelLog) -> dict[str, Any]:
    """What a log says, independent of the order of events, objects and relationships."""
    return {
        "object_types": {name: [(d.name, d.type) for d in decls] for name, decls in log.object_types.items()},
        "event_types": {name: [(d.name, d.type) for d in decls] for name, decls in log.event_types.items()},
        "objects": {
            item.id: (
                item.type,
                sorted(((v.name, v.time, v.value) for v in item.attributes), key=repr),
                sorted((r.target_id, r.qualifier) for r in item.relationships),
            )
            for item in log.objects
        },
        "events": {
            event.id: (
                event.type,
                event.time,
                dict(sorted(event.attributes.items())),
                sorted((r.target_id, r.qualifier) for r in event.relationships),
            )
            for event in log.events
        },
    }


def person_entries(person: Person) -> dict[str, Any]:
    """The part of an export that a person's creation through the service contributes."""
    event = Event.objects.get(event_type__name="Create person", object_links__object__ocel_id=f"person:{person.pk}")
    return {
        "object_types": {"person": []},
        "event_types": {"Create person": [("title", "string")]},
        "objects": {f"person:{person.pk}": ("person", [], [])},
        "events": {
            event.ocel_id: (
                "Create person", event.occurred_at, {"title": person.title.name},
                [(f"person:{person.pk}", "created")],
            )
        },
    }


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"object_types": {}, "event_types": {}, "objects": {}, "events": {}}
    for part in parts:
        for key in result:
            result[key].update(part[key])
    return result


def import_sample() -> tuple[ocel.OcelLog, services.ImportSummary]:
    log = ocel.read_json(SAMPLE)
    return log, services.import_log(actor=None, log=log, filename=SAMPLE.name)


# --- Import, export, files ---------------------------------------------------------------


def test_the_sample_imports_with_exact_counts(db: Any) -> None:
    # Given an empty event log
    before = counts()

    # When the standard's example log is imported
    log, summary = import_sample()

    # Then the summary and the tables hold exactly the sample
    assert summary == services.ImportSummary(event_count=13, object_count=9, relation_count=7, link_count=20)
    assert counts() == {
        **before, "events": 13, "objects": 9, "links": 20, "relations": 7, "audit": before["audit"] + 1,
    }
    assert set(Event.objects.values_list("source", flat=True)) == {"import"}
    record = AuditRecord.objects.get(action="import", object_type="event_log")
    assert record.object_repr == "ocel20_example.jsonocel"
    assert record.after == {"events": 13, "objects": 9, "event_object_links": 20, "object_relations": 7}
    assert len(log.events) == 13


@pytest.mark.parametrize(
    ("suffix", "write", "read"),
    [(".jsonocel", ocel.write_json, ocel.read_json), (".sqlite", ocel.write_sqlite, ocel.read_sqlite)],
    ids=["json", "sqlite"],
)
def test_an_imported_log_exports_to_the_same_log(
    admin: Person, tmp_path: Path, suffix: str, write: Callable[..., None], read: Callable[..., ocel.OcelLog]
) -> None:
    # Given the sample imported into a log that holds the admin's own "Create person" event
    original, _ = import_sample()

    # When the admin exports it to a file and the file is read back
    exported = selectors.export_log(actor=admin)
    path = tmp_path / f"export{suffix}"
    write(exported, path)
    read_back = read(path)

    # Then the file says exactly what the sample said, plus the admin's creation
    assert normalise(read_back) == merged(normalise(original), person_entries(admin))
    assert normalise(read_back) == normalise(exported)
    assert len(read_back.events) == 14
    assert len(read_back.objects) == 10
    # And the export is in time order
    times = [event.time for event in exported.events]
    assert times == sorted(times)
    assert all(moment.tzinfo is not None and moment.utcoffset().total_seconds() == 0 for moment in times)


def test_importing_the_same_file_twice_changes_nothing(db: Any) -> None:
    # Given the sample imported once
    log, _ = import_sample()
    before = counts()

    # When it is imported again
    with pytest.raises(ValidationFailed) as error:
        services.import_log(actor=None, log=ocel.read_json(SAMPLE), filename=SAMPLE.name)

    # Then every event is reported as already in the log, by row, and nothing changes
    assert error.value.detail == "The log was not imported; nothing was written."
    assert [(p.field, p.message, p.row) for p in error.value.problems] == [
        ("events.id", f"event {event.id!r} is already in the log", row) for row, event in enumerate(log.events)
    ]
    assert len(error.value.problems) == 13
    assert counts() == before


def test_an_export_reimported_into_an_emptied_log_exports_identically(admin: Person, tmp_path: Path) -> None:
    # Given the sample and the admin's creation in the log, exported to a file
    import_sample()
    first = selectors.export_log(actor=admin)
    path = tmp_path / "log.jsonocel"
    ocel.write_json(first, path)

    # When the events and objects are deleted (the audit trail stays) and the file is imported
    Event.objects.all().delete()
    EventObject.objects.all().delete()
    assert (EventObjectLink.objects.count(), ObjectRelation.objects.count()) == (0, 0)
    audit_before = AuditRecord.objects.count()
    summary = services.import_log(actor=admin, log=ocel.read_json(path), filename=path.name)

    # Then the log exports exactly as before
    assert summary == services.ImportSummary(event_count=14, object_count=10, relation_count=7, link_count=21)
    assert normalise(selectors.export_log(actor=admin)) == normalise(first)
    assert AuditRecord.objects.count() == audit_before + 1


def test_events_recorded_by_keel_services_export_with_declared_types(admin: Person, tmp_path: Path) -> None:
    # Given an event recorded by a service with typed attributes, and the admin's creation
    moment = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    with transaction.atomic():
        event = record_event(
            activity="Ship order",
            objects=[ObjectRef("order", "7", "shipped"), ObjectRef("parcel", "p1", "sent")],
            attributes={"parcels": 2, "weight_kg": 1.5, "carrier": "DHL", "insured": True, "promised": moment},
            occurred_at=moment,
            actor=admin,
        )

    # When the admin exports the log and reads it back
    exported = selectors.export_log(actor=admin)
    path = tmp_path / "keel.jsonocel"
    ocel.write_json(exported, path)
    read_back = ocel.read_json(path)

    # Then the event types declare OCEL attribute types and the values keep them
    assert read_back.event_types == {
        "Create person": [ocel.AttributeDecl("title", "string")],
        "Ship order": [
            ocel.AttributeDecl("parcels", "integer"), ocel.AttributeDecl("weight_kg", "float"),
            ocel.AttributeDecl("carrier", "string"), ocel.AttributeDecl("insured", "boolean"),
            ocel.AttributeDecl("promised", "time"),
        ],
    }
    assert read_back.object_types == {"order": [], "parcel": [], "person": []}
    assert normalise(read_back) == merged(
        person_entries(admin),
        {
            "object_types": {"order": [], "parcel": []},
            "event_types": {
                "Ship order": [
                    ("parcels", "integer"), ("weight_kg", "float"), ("carrier", "string"),
                    ("insured", "boolean"), ("promised", "time"),
                ]
            },
            "objects": {"order:7": ("order", [], []), "parcel:p1": ("parcel", [], [])},
            "events": {
                event.ocel_id: (
                    "Ship order", moment,
                    {"carrier": "DHL", "insured": True, "parcels": 2, "promised": moment, "weight_kg": 1.5},
                    [("order:7", "shipped"), ("parcel:p1", "sent")],
                )
            },
        },
    )
    assert event.ocel_id.startswith("keel:")


def test_a_site_scoped_actor_exports_only_their_sites_events(
    make_person: Callable[..., Person], site_dublin: Site, site_columbus: Site
) -> None:
    # Given an Operations Manager (site scope) in Dublin, a person in each site,
    # and the sample log, whose events belong to no site
    manager = make_person("operations-manager")
    assert manager.has_action("events.export_events")
    dublin = make_person("fulfillment-manager", site=site_dublin)
    columbus = make_person("fulfillment-manager", site=site_columbus)
    import_sample()
    assert set(
        Event.objects.filter(event_type__name="Create person").values_list("site_id", flat=True)
    ) == {site_dublin.pk, site_columbus.pk}

    # When the manager exports the log
    exported = selectors.export_log(actor=manager)

    # Then only the Dublin people's creation events and objects are in it
    assert normalise(exported) == merged(person_entries(manager), person_entries(dublin))
    assert f"person:{columbus.pk}" not in {item.id for item in exported.objects}

    # And a company-wide actor exports all of it
    everything = selectors.export_log(actor=make_person("chief-operating-officer"))
    assert len(everything.events) == 13 + 4
    assert {item.id for item in everything.objects} >= {f"person:{columbus.pk}", f"person:{dublin.pk}"}


def test_an_actor_without_the_export_action_exports_nothing(make_person: Callable[..., Person]) -> None:
    # Given a Fulfillment Manager (process=view: no events.export_events) and the sample
    clerk = make_person("fulfillment-manager")
    import_sample()

    # When they export
    exported = selectors.export_log(actor=clerk)

    # Then the log is empty
    assert normalise(exported) == {"object_types": {}, "event_types": {}, "objects": {}, "events": {}}
