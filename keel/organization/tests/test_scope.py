"""Object-level data scope: a site-scoped manager sees only their sites' rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from keel.organization import selectors, services
from keel.organization.models import Person, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sites(make_person: Callable[..., Person], site_dublin: Site, site_columbus: Site) -> dict[str, Person]:
    return {
        "manager": make_person("operations-manager", site=site_dublin, full_name="Dublin Manager"),
        "colleague": make_person("fulfillment-manager", site=site_dublin, full_name="Dublin Colleague"),
        "stranger": make_person("fulfillment-manager", site=site_columbus, full_name="Columbus Stranger"),
        "coo": make_person("chief-operating-officer", site=site_columbus, full_name="Company Chief"),
    }


def test_site_scoped_manager_cannot_read_another_sites_person_by_id(
    two_sites: dict[str, Person], login: Callable[[Person], Client], api_client: Any
) -> None:
    manager, stranger = two_sites["manager"], two_sites["stranger"]
    # When the Dublin manager asks for the Columbus person by id, on the web and the API
    web = login(manager).get(reverse("organization:person", kwargs={"pk": stranger.pk}))
    api = api_client(manager).get(f"/api/v1/people/{stranger.pk}")
    # Then both answer "not found", never the record
    assert web.status_code == 404
    assert api.status_code == 404
    assert api.json()["title"] == "Not found"
    assert "Columbus Stranger" not in web.content.decode()


def test_lists_never_contain_out_of_scope_rows(
    two_sites: dict[str, Person], login: Callable[[Person], Client], api_client: Any
) -> None:
    manager = two_sites["manager"]
    names = sorted(p.full_name for p in selectors.people(actor=manager))
    assert names == ["Dublin Colleague", "Dublin Manager"]
    api_names = sorted(item["full_name"] for item in api_client(manager).get("/api/v1/people").json()["items"])
    assert api_names == ["Dublin Colleague", "Dublin Manager"]
    page = login(manager).get(reverse("organization:people")).content.decode()
    assert "Dublin Colleague" in page
    assert "Columbus Stranger" not in page
    assert "Company Chief" not in page
    # And the CSV export honours the same scope
    export = login(manager).get(reverse("organization:people") + "?export=csv").content.decode("utf-8-sig")
    assert sorted(line.split(",")[0] for line in export.strip().splitlines()[1:]) == ["Dublin Colleague", "Dublin Manager"]


def test_company_wide_title_sees_everyone(two_sites: dict[str, Person]) -> None:
    names = sorted(p.full_name for p in selectors.people(actor=two_sites["coo"]))
    assert names == ["Columbus Stranger", "Company Chief", "Dublin Colleague", "Dublin Manager"]


def test_extra_scope_widens_a_site_scoped_manager(two_sites: dict[str, Person], site_columbus: Site, admin: Person) -> None:
    manager = two_sites["manager"]
    # Given an administrator gives the Dublin manager the Columbus site as extra scope
    services.grant_scope(actor=admin, person=manager, sites=[site_columbus], departments=[])
    manager = Person.objects.get(pk=manager.pk)
    # Then Columbus people become visible to them, and the change is audited
    names = sorted(p.full_name for p in selectors.people(actor=manager))
    # (the administrator works at Dublin too, so they were visible before and still are)
    assert names == sorted(["Columbus Stranger", "Company Chief", "Dublin Colleague", "Dublin Manager", admin.full_name])
    from keel.audit.models import AuditRecord

    record = AuditRecord.objects.filter(action="permission_change", object_id=str(manager.pk)).latest("id")
    assert record.after == {"extra_sites": ["cmh"], "extra_departments": []}


def test_department_scoped_title_sees_its_department_only(
    make_person: Callable[..., Person], department_ops: Any, department_sales: Any
) -> None:
    revops = make_person("revenue-operations-manager", department=department_sales, full_name="Rev Ops")
    make_person("fulfillment-manager", department=department_ops, full_name="Ops Person")
    make_person("sales-operations-manager", department=department_sales, full_name="Sales Person")
    assert sorted(p.full_name for p in selectors.people(actor=revops)) == ["Rev Ops", "Sales Person"]
