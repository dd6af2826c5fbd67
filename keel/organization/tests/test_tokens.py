"""Personal API tokens: random, hashed, shown once, scoped, expiring, revocable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from keel.core.errors import ValidationFailed
from keel.organization import services
from keel.organization.models import ApiToken, Person

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_token_has_at_least_128_random_bits_and_only_its_digest_is_stored(make_person: Callable[..., Person]) -> None:
    person = make_person("chief-operating-officer")
    issued = services.create_api_token(actor=person, person=person, name="ci", actions=["*"], expires_in_days=30)
    prefix, _, secret = issued.secret.removeprefix("keel_").partition("_")
    # token_urlsafe(32): 32 random bytes = 256 bits, 43 URL-safe characters
    assert len(secret) == 43
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.prefix == prefix
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_token_calls_the_api_and_is_refused_after_revocation(make_person: Callable[..., Person]) -> None:
    person = make_person("chief-operating-officer")
    issued = services.create_api_token(actor=person, person=person, name="ci", actions=["*"], expires_in_days=30)
    assert bearer(issued.secret).get("/api/v1/me").json()["email"] == person.email
    services.revoke_api_token(actor=person, token=issued.token)
    response = bearer(issued.secret).get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="keel"'


def test_expired_token_is_refused(make_person: Callable[..., Person]) -> None:
    person = make_person("chief-operating-officer")
    issued = services.create_api_token(actor=person, person=person, name="ci", actions=["*"], expires_in_days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(issued.secret).get("/api/v1/me").status_code == 401


def test_wrong_secret_with_a_real_prefix_is_refused(make_person: Callable[..., Person]) -> None:
    person = make_person("chief-operating-officer")
    issued = services.create_api_token(actor=person, person=person, name="ci", actions=["*"], expires_in_days=1)
    forged = issued.secret[:-4] + "AAAA"
    assert bearer(forged).get("/api/v1/me").status_code == 401
    assert bearer("keel_nonsense").get("/api/v1/me").status_code == 401


def test_a_scoped_token_narrows_the_persons_actions(make_person: Callable[..., Person]) -> None:
    person = make_person("chief-operating-officer")
    issued = services.create_api_token(
        actor=person, person=person, name="read people", actions=["organization.view_person", "organization.use_keel"],
        expires_in_days=5,
    )
    client = bearer(issued.secret)
    assert client.get("/api/v1/people").status_code == 200
    assert client.get("/api/v1/audit").status_code == 403
    assert client.get("/api/v1/me").json()["actions"] == ["organization.use_keel", "organization.view_person"]


def test_a_token_cannot_grant_more_than_the_role(make_person: Callable[..., Person]) -> None:
    person = make_person("fulfillment-manager")
    with pytest.raises(ValidationFailed) as error:
        services.create_api_token(actor=person, person=person, name="x", actions=["audit.view_audit"], expires_in_days=5)
    assert [(p.field, p.message) for p in error.value.problems] == [
        ("actions", "your role does not allow 'audit.view_audit'")
    ]
    assert ApiToken.objects.count() == 0


def test_the_token_page_shows_the_secret_once(make_person: Callable[..., Person], login: Callable[[Person], Client]) -> None:
    person = make_person("chief-operating-officer")
    client = login(person)
    response = client.post(reverse("organization:tokens"), {"name": "wms", "expires_in_days": 30, "all_actions": "on"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    page = response.content.decode()
    assert f"keel_{token.prefix}_" in page
    assert "It will not be shown again" in page
    again = client.get(reverse("organization:tokens")).content.decode()
    assert f"keel_{token.prefix}_" not in again
    assert token.prefix in again
