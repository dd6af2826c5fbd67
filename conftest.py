"""Shared test fixtures: factories for sites, departments and people by job title."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factory
import pytest
from django.test import Client

from keel.core.context import RequestMeta, request_meta
from keel.organization import services
from keel.organization.models import Department, JobTitle, Person, Site

# Browser fixtures (chromium, new_page, page) for every app's browser tests.
pytest_plugins = ["keel.web.tests.browser"]

PASSWORD = "correct horse battery staple"  # noqa: S105 (test fixture)


def pytest_configure(config: Any) -> None:
    """Remove a SQLite test database left by an interrupted run, with its WAL files.

    Django deletes the old test database file but not its -wal and -shm companions, and
    a new database beside a stale WAL file fails with "disk I/O error".
    """
    from django.conf import settings

    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and test_name:
        for suffix in ("", "-wal", "-shm"):
            Path(str(test_name) + suffix).unlink(missing_ok=True)


def pytest_unconfigure(config: Any) -> None:
    pytest_configure(config)


def pytest_report_header() -> str:
    return f"database: {os.environ.get('KEEL_DATABASE_URL', 'sqlite (default)')}"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.LazyAttribute(lambda site: f"Site {site.code}")
    kind = "warehouse"
    country = "IE"
    currency = "EUR"
    time_zone = "Europe/Dublin"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.LazyAttribute(lambda department: f"Department {department.code}")


@pytest.fixture
def site_dublin(db: Any) -> Site:
    return SiteFactory(code="dub", name="Dublin", time_zone="Europe/Dublin")


@pytest.fixture
def site_columbus(db: Any) -> Site:
    return SiteFactory(code="cmh", name="Columbus", country="US", currency="USD", time_zone="America/New_York")


@pytest.fixture
def department_ops(db: Any) -> Department:
    return DepartmentFactory(code="operations", name="Operations")


@pytest.fixture
def department_sales(db: Any) -> Department:
    return DepartmentFactory(code="revenue", name="Revenue & Sales")


@pytest.fixture
def make_person(db: Any, site_dublin: Site, department_ops: Department) -> Callable[..., Person]:
    """Create a person with a catalogue title through the service, as the product does."""
    counter = {"n": 0}

    def make(title: str = "operations-manager", **overrides: Any) -> Person:
        counter["n"] += 1
        fields: dict[str, Any] = {
            "email": f"{title}-{counter['n']}@example.com",
            "full_name": f"{title.replace('-', ' ').title()} {counter['n']}",
            "title": JobTitle.objects.get(slug=title),
            "site": site_dublin,
            "department": department_ops,
            "password": PASSWORD,
        }
        fields.update(overrides)
        with request_meta(RequestMeta(channel="test")):
            return services.create_person(actor=None, **fields)

    return make


@pytest.fixture
def admin(make_person: Callable[..., Person]) -> Person:
    return make_person("chief-operating-officer", email="admin@example.com", is_superuser=True)


@pytest.fixture
def login() -> Callable[[Person], Client]:
    def as_person(person: Person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return as_person


@pytest.fixture
def api_client() -> Callable[..., Client]:
    """A client that sends a fresh API token of the person's (all their actions by default)."""

    def for_person(person: Person, actions: list[str] | None = None) -> Client:
        issued = services.create_api_token(
            actor=person, person=person, name="test", actions=actions or ["*"], expires_in_days=30
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")

    return for_person


@pytest.fixture(autouse=True)
def job_title_catalogue(request: pytest.FixtureRequest) -> None:
    """Keep the 31 catalogue titles present in every test that uses the database.

    Transactional tests (threads, live server, the task worker) flush every table when
    they end, including the rows the data migration loaded; this puts them back with the
    migration's own loader, so every test sees the catalogue exactly as shipped.
    """
    uses_database = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if not uses_database:
        return
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    else:
        marker = request.node.get_closest_marker("django_db")
        transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        request.getfixturevalue("transactional_db" if transactional else "db")
    if not JobTitle.objects.exists():
        import importlib

        from django.apps import apps

        catalogue = importlib.import_module("keel.organization.migrations.0002_job_title_catalogue")
        catalogue.load(apps, None)


def row_counts() -> dict[str, int]:
    """Rows in the tables a refused request must leave untouched."""
    from keel.audit.models import AuditRecord
    from keel.events.models import Event, EventObject, EventObjectLink, IngestBatch, ObjectRelation

    return {
        "events": Event.objects.count(),
        "objects": EventObject.objects.count(),
        "links": EventObjectLink.objects.count(),
        "relations": ObjectRelation.objects.count(),
        "audit": AuditRecord.objects.count(),
        "batches": IngestBatch.objects.count(),
        "people": Person.objects.count(),
    }
