"""Deactivating a person ends their sessions and tokens at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from keel.audit.models import AuditRecord
from keel.core.errors import ValidationFailed
from keel.events.models import Event
from keel.organization import services
from keel.organization.models import ApiToken, Person

pytestmark = pytest.mark.django_db


def test_deactivation_ends_sessions_and_tokens_at_once(
    make_person: Callable[..., Person], admin: Person, login: Callable[[Person], Client]
) -> None:
    # Given a person signed in on the web and holding an API token
    person = make_person("fulfillment-manager")
    browser = login(person)
    assert browser.get(reverse("web:home")).status_code == 200
    issued = services.create_api_token(actor=person, person=person, name="t", actions=["*"], expires_in_days=5)
    token_client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert token_client.get("/api/v1/me").status_code == 200
    # When an administrator deactivates them
    services.deactivate_person(actor=admin, person=person)
    # Then the same session is signed out and the token is refused on the next request
    response = browser.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert token_client.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    # And the change is recorded as an event and an audit record
    assert Event.objects.filter(event_type__name="Deactivate person").count() == 1
    record = AuditRecord.objects.filter(object_type="person", object_id=str(person.pk), message="Deactivated").get()
    assert record.after == {"is_active": False, "tokens_revoked": 1}


def test_a_deactivated_person_cannot_sign_in(make_person: Callable[..., Person], admin: Person) -> None:
    from conftest import PASSWORD

    person = make_person("fulfillment-manager")
    services.deactivate_person(actor=admin, person=person)
    response = Client().post(reverse("web:login"), {"email": person.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()


def test_nobody_deactivates_themselves_and_nothing_changes(admin: Person) -> None:
    events, audits = Event.objects.count(), AuditRecord.objects.count()
    with pytest.raises(ValidationFailed):
        services.deactivate_person(actor=admin, person=admin)
    assert Person.objects.get(pk=admin.pk).is_active is True
    assert (Event.objects.count(), AuditRecord.objects.count()) == (events, audits)
