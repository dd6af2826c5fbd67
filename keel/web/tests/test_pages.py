"""The pages people use: lists with search, filters, sort, pages and exports; forms with
clear errors; preset editing; event log import and export."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from keel.audit.models import AuditRecord
from keel.events.models import Event
from keel.organization.models import JobTitle, Person, Site

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "events" / "tests" / "data" / "ocel20_example.jsonocel"


@pytest.fixture
def staff(make_person: Callable[..., Person]) -> list[Person]:
    names = ["Ann Lee", "Bob Stone", "Cara Diaz", "Dan Wu", "Eve Park"]
    return [make_person("fulfillment-manager", full_name=name, email=f"{name.split()[0].lower()}@example.com") for name in names]


def names_in(page: str, candidates: list[str]) -> list[str]:
    return [name for name in candidates if name in page]


def test_home_page_shows_the_title_and_its_reach(make_person: Callable[..., Person], login: Callable[[Person], Client]) -> None:
    person = make_person("fulfillment-manager", full_name="Fiona Gallagher")
    page = login(person).get(reverse("web:home")).content.decode()
    assert "Fulfillment Manager: Order processing and delivery" in page
    assert "Manager · Dublin" in page
    assert "The Fulfillment Manager preset." in page
    assert 'data-kpi="order_cycle_time"' in page
    assert "people in your scope" in page


def test_area_pages_say_plainly_what_is_not_built(admin: Person, login: Callable[[Person], Client]) -> None:
    page = login(admin).get(reverse("web:area", kwargs={"slug": "costs"})).content.decode()
    assert "Not built yet" in page
    assert "Budgets and variance" in page
    # Supply chain has everything it planned: replenishment came with the planning pages
    page = login(admin).get(reverse("web:area", kwargs={"slug": "supply_chain"})).content.decode()
    assert "Not built yet" not in page
    assert "Purchase orders" in page
    assert "Replenishment" in page
    assert login(admin).get(reverse("web:area", kwargs={"slug": "nope"})).status_code == 404


def test_people_list_searches_sorts_filters_and_pages(admin: Person, staff: list[Person], login: Callable[[Person], Client]) -> None:
    client = login(admin)
    everyone = ["Ann Lee", "Bob Stone", "Cara Diaz", "Dan Wu", "Eve Park"]
    page = client.get(reverse("organization:people"), {"q": "stone"}).content.decode()
    assert names_in(page, everyone) == ["Bob Stone"]
    page = client.get(reverse("organization:people"), {"sort": "-full_name"}).content.decode()
    order = sorted(everyone, key=page.index)
    assert order == ["Eve Park", "Dan Wu", "Cara Diaz", "Bob Stone", "Ann Lee"]
    title = JobTitle.objects.get(slug="chief-operating-officer")
    page = client.get(reverse("organization:people"), {"title": title.pk}).content.decode()
    assert names_in(page, everyone) == []
    assert "1 result" in page


def test_people_export_as_xlsx_is_audited(admin: Person, staff: list[Person], login: Callable[[Person], Client]) -> None:
    response = login(admin).get(reverse("organization:people"), {"export": "xlsx", "q": "an"})
    assert response["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Name", "Email", "Title", "Site", "Department", "Active"]
    assert sorted(row[0] for row in rows[1:]) == ["Ann Lee", "Dan Wu"]
    record = AuditRecord.objects.filter(action="export").latest("id")
    assert record.after == {"rows": 2, "format": "xlsx"}


def test_adding_a_person_with_bad_input_shows_each_problem_and_changes_nothing(admin: Person, login: Callable[[Person], Client]) -> None:
    before = (Person.objects.count(), Event.objects.count(), AuditRecord.objects.count())
    title = JobTitle.objects.get(slug="fulfillment-manager")
    response = login(admin).post(reverse("organization:person-create"), {
        "email": admin.email.upper(), "full_name": "Clone", "title": title.pk, "time_zone": "Mars/Olympus", "password": "short",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "another person already uses this email" in page
    assert "unknown time zone" in page
    assert "This password is too short" in page
    assert (Person.objects.count(), Event.objects.count(), AuditRecord.objects.count()) == before


def test_adding_a_person_through_the_form(admin: Person, login: Callable[[Person], Client]) -> None:
    title = JobTitle.objects.get(slug="logistics-manager")
    response = login(admin).post(reverse("organization:person-create"), {
        "email": "Jonas@Example.com", "full_name": "Jonas Berg", "title": title.pk, "time_zone": "Europe/Amsterdam",
        "password": "a long enough passphrase",
    })
    person = Person.objects.get(email="jonas@example.com")
    assert response["Location"] == reverse("organization:person", kwargs={"pk": person.pk})
    assert (person.full_name, person.title.slug, person.time_zone) == ("Jonas Berg", "logistics-manager", "Europe/Amsterdam")


def test_editing_a_preset_changes_what_people_may_do_at_once(
    admin: Person, make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    # Given a Fulfillment Manager who cannot read the audit trail
    person = make_person("fulfillment-manager")
    worker = login(person)
    assert worker.get(reverse("audit:list")).status_code == 403
    title = person.title
    form = {f"level_{area}": level for area, level in title.area_levels.items()}
    form.update({"focus": title.focus, "data_scope": title.data_scope, "level_risk": "operate"})
    # When an administrator raises the title's risk level to "operate"
    response = login(admin).post(reverse("organization:title", kwargs={"pk": title.pk}), form)
    assert response.status_code == 302
    # Then the same person can read it on their next request, and the change is audited
    assert worker.get(reverse("audit:list")).status_code == 200
    record = AuditRecord.objects.filter(object_type="job_title", action="permission_change").latest("id")
    assert record.before == {"area_levels": title.area_levels}
    assert record.after["area_levels"]["risk"] == "operate"


def test_a_preset_with_an_unknown_level_is_refused(admin: Person, login: Callable[[Person], Client]) -> None:
    title = JobTitle.objects.get(slug="fulfillment-manager")
    form = {f"level_{area}": level for area, level in title.area_levels.items()}
    form.update({"data_scope": "galaxy", "level_risk": "owner"})
    response = login(admin).post(reverse("organization:title", kwargs={"pk": title.pk}), form)
    assert response.status_code == 400
    assert JobTitle.objects.get(pk=title.pk).area_levels == title.area_levels


def test_site_form_reports_every_bad_field(admin: Person, login: Callable[[Person], Client]) -> None:
    before = Site.objects.count()
    response = login(admin).post(reverse("organization:site-create"), {
        "code": "dub", "name": "Dublin again", "kind": "warehouse", "country": "IRL", "currency": "EU", "time_zone": "UTC",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "a site with this code exists" in page
    assert "two-letter ISO country code" in page
    assert "three-letter ISO currency code" in page
    assert Site.objects.count() == before


def test_event_log_import_and_export_through_the_web(admin: Person, login: Callable[[Person], Client]) -> None:
    client = login(admin)
    with SAMPLE.open("rb") as handle:
        response = client.post(reverse("events:import"), {"file": handle})
    assert response.status_code == 302
    assert Event.objects.filter(source="import").count() == 13
    page = client.get(reverse("events:list"), {"activity": "Insert Invoice"}).content.decode()
    assert "3 results" in page
    download = client.get(reverse("events:export"))
    data = json.loads(b"".join(download.streaming_content))
    assert len([e for e in data["events"] if e["type"] == "Insert Invoice"]) == 3
    assert AuditRecord.objects.filter(action="export", object_type="event_log").count() == 1


def test_a_broken_upload_lists_its_problems_and_imports_nothing(admin: Person, login: Callable[[Person], Client]) -> None:
    before = Event.objects.count()
    broken = io.BytesIO(b'{"objectTypes": [], "eventTypes": [], "objects": []}')
    broken.name = "broken.jsonocel"
    response = login(admin).post(reverse("events:import"), {"file": broken})
    assert response.status_code == 422
    assert "broken.jsonocel is not a valid OCEL 2.0 file; nothing was imported." in response.content.decode()
    assert Event.objects.count() == before


def test_sign_in_and_out_are_audited(make_person: Callable[..., Person]) -> None:
    from conftest import PASSWORD

    person = make_person("fulfillment-manager")
    client = Client()
    assert client.post(reverse("web:login"), {"email": person.email, "password": PASSWORD})["Location"] == "/"
    assert client.post(reverse("web:logout")).status_code == 302
    actions = list(AuditRecord.objects.filter(actor=person).order_by("id").values_list("action", flat=True))
    assert actions == ["login", "logout"]


def test_login_refuses_an_offsite_next_url(make_person: Callable[..., Person]) -> None:
    from conftest import PASSWORD

    person = make_person("fulfillment-manager")
    response = Client().post(reverse("web:login") + "?next=https://evil.example.com/", {"email": person.email, "password": PASSWORD})
    assert response["Location"] == "/"


def test_home_shows_a_presets_grants_and_revocations(make_person: Callable[..., Person], login: Callable[[Person], Client]) -> None:
    from keel.organization import services

    person = make_person("fulfillment-manager")
    services.update_job_title(actor=None, title=person.title, granted_actions=["audit.view_audit"],
                              revoked_actions=["events.view_event", "events.export_events"])
    page = login(person).get(reverse("web:home")).content.decode()
    assert "+1 granted" in page
    assert "\N{MINUS SIGN}2 revoked" in page
