"""An event exists if and only if its state change committed."""

from __future__ import annotations

import pytest
from django.db import transaction

from keel.audit.models import AuditRecord
from keel.core.errors import ValidationFailed
from keel.events.models import Event, EventObject
from keel.events.services import ObjectRef, record_event
from keel.organization import services
from keel.organization.models import JobTitle, Person

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return Event.objects.count(), EventObject.objects.count(), AuditRecord.objects.count(), Person.objects.count()


def test_a_committed_change_has_its_event_and_audit_record(admin: Person) -> None:
    before = counts()
    person = services.create_person(
        actor=admin, email="new@example.com", full_name="New Person",
        title=JobTitle.objects.get(slug="fulfillment-manager"),
    )
    event = Event.objects.get(event_type__name="Create person", object_links__object__ocel_id=f"person:{person.pk}")
    assert event.attributes == {"title": "Fulfillment Manager"}
    assert event.actor_id == admin.pk
    assert list(event.object_links.values_list("qualifier", flat=True)) == ["created"]
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)


def test_a_refused_change_leaves_no_event_and_no_audit_record(admin: Person) -> None:
    before = counts()
    with pytest.raises(ValidationFailed) as error:
        services.create_person(
            actor=admin, email="not-an-email", full_name="", title=JobTitle.objects.get(slug="fulfillment-manager"),
        )
    assert [(p.field, p.message) for p in error.value.problems] == [
        ("email", "not a valid email address"), ("full_name", "required")
    ]
    assert counts() == before


def test_a_failure_after_the_event_rolls_the_event_back(admin: Person) -> None:
    before = counts()
    def change_that_fails_after_its_event() -> None:
        with transaction.atomic():
            record_event(activity="Pack order", objects=[ObjectRef("order", "1", "packed")], actor=admin)
            raise RuntimeError("the state change failed after the event was written")

    with pytest.raises(RuntimeError):
        change_that_fails_after_its_event()
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        record_event(activity="Pack order", objects=[ObjectRef("order", "1")])
    assert Event.objects.count() == 0


def test_event_and_object_types_declare_attributes_with_ocel_types(admin: Person) -> None:
    with transaction.atomic():
        record_event(
            activity="Ship order", objects=[ObjectRef("order", "7", "shipped")],
            attributes={"parcels": 2, "weight_kg": 1.5, "carrier": "DHL", "insured": True},
        )
    from keel.events.models import EventType

    assert EventType.objects.get(name="Ship order").attributes == [
        {"name": "parcels", "type": "integer"}, {"name": "weight_kg", "type": "float"},
        {"name": "carrier", "type": "string"}, {"name": "insured", "type": "boolean"},
    ]
