"""Sign-in throttling: at most KEEL_LOGIN_FAILURE_LIMIT password checks per window,
also when the attempts arrive at the same moment."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from keel.audit.models import AuditRecord
from keel.organization.models import LoginAttempt, Person


def post_login(email: str, password: str, ip: str = "192.0.2.10") -> Any:
    return Client(REMOTE_ADDR=ip).post(reverse("web:login"), {"email": email, "password": password})


@pytest.mark.django_db
def test_the_sixth_wrong_password_is_refused_with_retry_after(make_person: Callable[..., Person], settings: Any) -> None:
    settings.KEEL_LOGIN_FAILURE_LIMIT = 5
    person = make_person("fulfillment-manager")
    statuses = [post_login(person.email, "wrong password").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 200]
    refused = post_login(person.email, "wrong password")
    assert refused.status_code == 429
    # The window is 900 s and the first failure was moments ago.
    assert 890 <= int(refused["Retry-After"]) <= 900
    # Even the right password waits until the window has passed
    assert post_login(person.email, PASSWORD).status_code == 429
    assert AuditRecord.objects.filter(action="login_failed").count() == 5


@pytest.mark.django_db
def test_a_successful_sign_in_clears_earlier_failures(make_person: Callable[..., Person], settings: Any) -> None:
    settings.KEEL_LOGIN_FAILURE_LIMIT = 5
    person = make_person("fulfillment-manager")
    for _ in range(4):
        post_login(person.email, "wrong password")
    assert post_login(person.email, PASSWORD).status_code == 302
    assert LoginAttempt.objects.filter(username=person.email, succeeded=False).count() == 0
    assert AuditRecord.objects.filter(action="login", actor=person).count() == 1


@pytest.mark.django_db(transaction=True)
def test_throttle_holds_under_50_concurrent_wrong_passwords(make_person: Callable[..., Person], settings: Any) -> None:
    # Given an account and a limit of 5 failures per window
    settings.KEEL_LOGIN_FAILURE_LIMIT = 5
    person = make_person("fulfillment-manager")
    start = threading.Barrier(50)

    def attempt(number: int) -> tuple[int, str | None]:
        try:
            start.wait()
            response = post_login(person.email, "wrong password", ip=f"198.51.100.{number}")
            return response.status_code, response.get("Retry-After")
        finally:
            connection.close()

    # When 50 wrong passwords arrive at once
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(attempt, range(50)))

    # Then every answer is a refusal: at most 5 reached the password check, the rest got 429
    statuses = Counter(status for status, _ in results)
    checked = statuses[200]
    assert set(statuses) <= {200, 429}
    assert checked <= 5
    assert statuses[429] == 50 - checked
    assert all(retry is not None and int(retry) > 0 for status, retry in results if status == 429)
    # And the audit trail holds exactly one failed-login record per password check
    assert AuditRecord.objects.filter(action="login_failed").count() == checked
    # And the window allows only the remaining checks, then locks even the right password:
    # refused attempts never reached the check, so they do not count against the limit.
    remaining = [post_login(person.email, "wrong password").status_code for _ in range(5 - checked)]
    assert remaining == [200] * (5 - checked)
    assert post_login(person.email, PASSWORD).status_code == 429
