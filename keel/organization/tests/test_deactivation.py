"""Deactivating a person ends their sessions and tokens at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def test_changing_ones_password_keeps_this_session_and_ends_the_others(
    make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    from conftest import PASSWORD

    person = make_person("fulfillment-manager")
    here, elsewhere = login(person), login(person)
    wrong = here.post(reverse("organization:password"), {"current_password": "nope", "new_password": "another long passphrase"})
    assert wrong.status_code == 400
    assert "this is not your current password" in wrong.content.decode()
    response = here.post(reverse("organization:password"), {"current_password": PASSWORD, "new_password": "another long passphrase"})
    assert response.status_code == 302
    assert here.get(reverse("web:home")).status_code == 200
    assert elsewhere.get(reverse("web:home")).status_code == 302


def test_an_administrator_resets_a_password_shown_once(
    admin: Person, make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    from django.contrib.auth import authenticate

    person = make_person("fulfillment-manager")
    response = login(admin).post(reverse("organization:person-password", kwargs={"pk": person.pk}), follow=True)
    text = response.content.decode()
    marker = "(shown once; their sessions ended): "
    password = text[text.index(marker) + len(marker):].split("<", 1)[0].strip()
    assert authenticate(username=person.email, password=password) == person


def test_nobody_raises_their_own_title_or_grants_beyond_their_role(
    make_person: Callable[..., Person], site_columbus: Any
) -> None:
    from keel.organization.models import JobTitle

    # A site-scoped title given administration:manage by a careless preset edit
    title = JobTitle.objects.get(slug="operations-manager")
    title.area_levels = {**title.area_levels, "administration": "manage"}
    title.save()
    manager = make_person("operations-manager")
    other = make_person("fulfillment-manager")
    coo = JobTitle.objects.get(slug="chief-operating-officer")
    with pytest.raises(ValidationFailed) as own:
        services.update_person(actor=manager, person=manager, title=coo)
    assert [p.message for p in own.value.problems] == ["you cannot change your own title or scope; ask another administrator"]
    with pytest.raises(ValidationFailed) as beyond:
        services.update_person(actor=manager, person=other, title=coo)
    assert [p.field for p in beyond.value.problems] == ["title", "title"]
    with pytest.raises(ValidationFailed) as far:
        services.grant_scope(actor=manager, person=other, sites=[site_columbus], departments=[])
    assert [p.message for p in far.value.problems] == ["Columbus is outside your scope"]
    assert Person.objects.get(pk=other.pk).title.slug == "fulfillment-manager"
