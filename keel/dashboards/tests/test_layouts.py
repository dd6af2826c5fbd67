"""Presets per title, personal layouts and preset editing: what people see and can change."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.core.errors import ValidationFailed
from keel.dashboards import selectors, services
from keel.dashboards.models import DashboardPreset, PersonalDashboard
from keel.dashboards.presets import SHIPPED
from keel.events.models import Event
from keel.kpis.catalogue import CATALOGUE
from keel.organization.models import JobTitle, Person

pytestmark = pytest.mark.django_db


def test_every_catalogue_title_ships_a_preset_of_6_to_12_kpis_it_may_see() -> None:
    # Given the 31 catalogue titles and the presets the migration loaded
    titles = list(JobTitle.objects.filter(is_catalogue=True))
    stored = {preset.title.slug: preset.kpi_keys for preset in DashboardPreset.objects.select_related("title")}
    # Then every title has exactly the shipped preset
    assert len(titles) == 31
    assert stored == {slug: list(keys) for slug, keys in SHIPPED.items()}
    for title in titles:
        keys = stored[title.slug]
        visible = {spec.key for spec in selectors.title_visible_kpis(title=title)}
        # 6 to 12 tiles, known KPIs, no repeats, and none the title may not see
        assert 6 <= len(keys) <= 12, title.slug
        assert len(set(keys)) == len(keys), title.slug
        assert set(keys) <= set(CATALOGUE), title.slug
        assert [key for key in keys if key not in visible] == [], title.slug


def test_the_presets_follow_each_titles_focus() -> None:
    assert SHIPPED["fulfillment-manager"][:3] == ("order_cycle_time", "on_time_shipment_rate", "order_backlog")
    assert {"fill_rate", "stockout_rate", "inventory_turnover", "supplier_on_time_rate"} <= set(
        SHIPPED["director-of-supply-chain"])
    assert SHIPPED["revenue-operations-manager"][:3] == ("revenue", "customer_acquisition_cost", "repeat_purchase_rate")
    # The COO sees KPIs of every area Keel has KPIs for
    areas = {CATALOGUE[key].area for key in SHIPPED["chief-operating-officer"]}
    assert {area.value for area in areas} == {"supply_chain", "costs", "service", "risk"}


def test_a_new_person_sees_their_titles_preset(make_person: Callable[..., Person]) -> None:
    person = make_person("fulfillment-manager")
    layout = selectors.layout(actor=person)
    assert (layout.keys, layout.is_personal, layout.dropped) == (list(SHIPPED["fulfillment-manager"]), False, [])


def test_tiles_a_person_may_no_longer_see_are_dropped_never_shown(
    make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    # Given a Fulfillment Manager who put labour hours (a cost KPI) on their dashboard
    person = make_person("fulfillment-manager")
    services.save_dashboard(actor=person, keys=["labour_hours_per_order", "order_backlog"])
    # When their title loses its access to costs
    title = person.title
    title.area_levels = {**title.area_levels, "costs": "none"}
    title.save()
    person = Person.objects.get(pk=person.pk)
    # Then the tile is dropped from their layout and from their home page
    layout = selectors.layout(actor=person)
    assert (layout.keys, layout.dropped) == (["order_backlog"], ["labour_hours_per_order"])
    page = login(person).get(reverse("web:home")).content.decode()
    assert 'data-kpi="order_backlog"' in page
    assert "labour_hours_per_order" not in page
    assert "Labour hours per order" not in page


def test_arranging_a_dashboard_moves_adds_removes_and_resets(make_person: Callable[..., Person]) -> None:
    person = make_person("fulfillment-manager")
    preset = list(SHIPPED["fulfillment-manager"])
    # Moving the third tile up makes the layout personal, with one event and one audit record
    events, audits = Event.objects.count(), AuditRecord.objects.count()
    keys = services.edit_dashboard(actor=person, operation="move", key="order_backlog", direction="up")
    assert keys == ["order_cycle_time", "order_backlog", "on_time_shipment_rate", *preset[3:]]
    assert PersonalDashboard.objects.get(person=person).kpi_keys == keys
    assert (Event.objects.count(), AuditRecord.objects.count()) == (events + 1, audits + 1)
    event = Event.objects.latest("id")
    assert (event.event_type.name, event.attributes["tiles"]) == ("Arrange dashboard", ",".join(keys))
    record = AuditRecord.objects.latest("id")
    assert (record.object_type, record.before, record.after) == (
        "dashboard", {"kpi_keys": preset, "personal": False}, {"kpi_keys": keys, "personal": True})
    # Adding a KPI the person may see puts it last; removing one takes it out
    keys = services.edit_dashboard(actor=person, operation="add", key="stockout_rate")
    assert keys[-1] == "stockout_rate"
    keys = services.edit_dashboard(actor=person, operation="remove", key="order_cycle_time")
    assert keys[0] == "order_backlog"
    assert "order_cycle_time" not in keys
    keys = services.edit_dashboard(actor=person, operation="move", key="stockout_rate", direction="first")
    assert keys[0] == "stockout_rate"
    # Reset brings the title's preset back
    assert services.reset_dashboard(actor=person) == preset
    assert not PersonalDashboard.objects.filter(person=person).exists()
    assert selectors.layout(actor=person).is_personal is False
    assert AuditRecord.objects.latest("id").message == "Reset to the title's preset"


def test_a_layout_with_bad_keys_names_each_problem_and_changes_nothing(make_person: Callable[..., Person]) -> None:
    # Given a Customer Success Operations Manager (no supply chain access)
    person = make_person("customer-success-operations-manager")
    before = row_counts()
    # When they try to save unknown, invisible and repeated KPIs
    with pytest.raises(ValidationFailed) as refused:
        services.save_dashboard(actor=person, keys=["csat", "no_such_kpi", "otif", "csat"])
    # Then each problem names its row, and nothing changed
    assert [problem.as_dict() for problem in refused.value.problems] == [
        {"field": "kpi_keys", "message": "'no_such_kpi' is not a KPI in the catalogue", "row": 2},
        {"field": "kpi_keys", "message": "On time in full (OTIF) is not visible to your role", "row": 3},
        {"field": "kpi_keys", "message": "Customer satisfaction (CSAT) is listed twice", "row": 4},
    ]
    assert row_counts() == before
    assert not PersonalDashboard.objects.exists()


def test_edited_is_a_plain_list_operation() -> None:
    keys = ["a", "b", "c"]
    assert services.edited(keys, operation="move", key="a", direction="up") == ["a", "b", "c"]
    assert services.edited(keys, operation="move", key="a", direction="down") == ["b", "a", "c"]
    assert services.edited(keys, operation="move", key="a", direction="last") == ["b", "c", "a"]
    assert services.edited(keys, operation="move", key="c", direction="down") == ["a", "b", "c"]
    assert services.edited(keys, operation="add", key="b") == ["a", "b", "c"]
    with pytest.raises(ValidationFailed):
        services.edited(keys, operation="remove", key="z")
    with pytest.raises(ValidationFailed):
        services.edited(keys, operation="move", key="a", direction="sideways")


def test_the_arrange_page_moves_and_reorders_through_forms(
    make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    person = make_person("fulfillment-manager")
    client = login(person)
    page = client.get(reverse("dashboards:edit")).content.decode()
    assert "You are seeing your title's preset" in page
    assert page.index("Order cycle time") < page.index("On-time shipment rate")
    # The down button of the first tile
    response = client.post(reverse("dashboards:change"), {"down": "order_cycle_time"})
    assert response.status_code == 302
    assert selectors.layout(actor=person).keys[:2] == ["on_time_shipment_rate", "order_cycle_time"]
    # Drag and drop submits every key in the new order
    response = client.post(reverse("dashboards:order"), {"keys": ["order_backlog", "fill_rate"]})
    assert selectors.layout(actor=person).keys == ["order_backlog", "fill_rate"]
    # A refused change comes back as a message and changes nothing
    response = client.post(reverse("dashboards:order"), {"keys": ["order_backlog", "nope"]}, follow=True)
    assert "&#x27;nope&#x27; is not a KPI in the catalogue" in response.content.decode()
    assert selectors.layout(actor=person).keys == ["order_backlog", "fill_rate"]
    client.post(reverse("dashboards:reset"))
    assert selectors.layout(actor=person).keys == list(SHIPPED["fulfillment-manager"])


def test_administrators_edit_presets_and_others_only_read_them(
    admin: Person, make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    title = JobTitle.objects.get(slug="fulfillment-manager")
    manager = make_person("fulfillment-manager")
    url = reverse("dashboards:preset-change", kwargs={"slug": title.slug})
    # A Fulfillment Manager (administration: view) reads presets but cannot change them
    assert login(manager).get(reverse("dashboards:presets")).status_code == 200
    assert login(manager).post(url, {"remove": "fill_rate"}).status_code == 403
    assert DashboardPreset.objects.get(title=title).kpi_keys == list(SHIPPED["fulfillment-manager"])
    # An administrator removes a tile: the change is an event and an audit record
    response = login(admin).post(url, {"remove": "fill_rate"})
    assert response.status_code == 302
    expected = [key for key in SHIPPED["fulfillment-manager"] if key != "fill_rate"]
    assert DashboardPreset.objects.get(title=title).kpi_keys == expected
    record = AuditRecord.objects.filter(object_type="dashboard_preset").latest("id")
    assert (record.before, record.after) == ({"kpi_keys": list(SHIPPED["fulfillment-manager"])}, {"kpi_keys": expected})
    assert Event.objects.latest("id").event_type.name == "Change dashboard preset"
    # ...which every holder without a personal layout sees at once
    assert selectors.layout(actor=Person.objects.get(pk=manager.pk)).keys == expected
    # Reset returns to what Keel ships
    login(admin).post(reverse("dashboards:preset-reset", kwargs={"slug": title.slug}))
    assert DashboardPreset.objects.get(title=title).kpi_keys == list(SHIPPED["fulfillment-manager"])


def test_a_preset_takes_only_kpis_its_title_may_see(admin: Person) -> None:
    title = JobTitle.objects.get(slug="customer-success-operations-manager")
    before = row_counts()
    with pytest.raises(ValidationFailed) as refused:
        services.save_preset(actor=admin, title=title, keys=["csat", "otif"])
    assert [problem.message for problem in refused.value.problems] == [
        "On time in full (OTIF) is not visible to the Customer Success Operations Manager"]
    with pytest.raises(ValidationFailed) as refused:
        services.save_preset(actor=admin, title=title, keys=[])
    assert [problem.message for problem in refused.value.problems] == ["at least 1 tile"]
    assert row_counts() == before


def test_the_home_page_shows_the_tiles_in_layout_order_with_constant_queries(
    make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    person = make_person("chief-operating-officer")
    client = login(person)
    services.save_dashboard(actor=person, keys=["revenue", "otif"])
    client.get(reverse("web:home"))  # warm the session and caches alike for both runs
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("web:home")).content.decode()
    assert page.index('data-kpi="revenue"') < page.index('data-kpi="otif"')
    twelve = list(SHIPPED["chief-operating-officer"])
    services.save_dashboard(actor=person, keys=twelve)
    client.get(reverse("web:home"))
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("web:home")).content.decode()
    assert [key for key in twelve if f'data-kpi="{key}"' in page] == twelve
    assert len(many.captured_queries) == len(few.captured_queries)
    # Every tile links to its drill-down
    assert f'href="{reverse("kpis:detail", args=["otif"])}"' in page


def test_the_preset_pages_list_every_title(admin: Person, login: Callable[[Person], Client]) -> None:
    page = login(admin).get(reverse("dashboards:presets"), {"size": 50}).content.decode()
    assert page.count('<td><a href="/dashboard/presets/') == 31
    page = login(admin).get(reverse("dashboards:presets"), {"q": "fulfillment manager"}).content.decode()
    assert page.count('<td><a href="/dashboard/presets/') == 1
    response = login(admin).get(reverse("dashboards:presets"), {"q": "revenue", "export": "csv"})
    assert response.content.decode("utf-8-sig").splitlines() == [
        'Job title,Level,Tiles,"KPIs, in order"',
        "Revenue Operations Manager,Specialized,7,\"Revenue, Customer acquisition cost, Repeat-purchase rate, Orders, "
        "Average order value, Customer satisfaction (CSAT), Return rate\"",
    ]
    page = login(admin).get(reverse("dashboards:preset", kwargs={"slug": "fulfillment-manager"})).content.decode()
    assert "Order cycle time" in page
    assert "Reset to the preset Keel ships" in page
    assert login(admin).get(reverse("dashboards:preset", kwargs={"slug": "nope"})).status_code == 404


def test_the_api_reads_every_preset_and_lets_administrators_replace_one(
    admin: Person, make_person: Callable[..., Person], api_client: Callable[..., Client]
) -> None:
    body = api_client(admin).get("/api/v1/dashboards/presets").json()
    assert len(body) == 31
    assert body[0] == {"title": "chief-operating-officer", "title_name": "Chief Operating Officer (COO)",
                       "kpi_keys": list(SHIPPED["chief-operating-officer"])}
    payload = json.dumps({"kpi_keys": ["order_backlog", "order_cycle_time"]})
    manager = make_person("fulfillment-manager")
    refused = api_client(manager).put("/api/v1/dashboards/presets/fulfillment-manager", data=payload,
                                      content_type="application/json")
    assert refused.status_code == 403
    response = api_client(admin).put("/api/v1/dashboards/presets/fulfillment-manager", data=payload,
                                     content_type="application/json")
    assert response.json() == {"title": "fulfillment-manager", "title_name": "Fulfillment Manager",
                               "kpi_keys": ["order_backlog", "order_cycle_time"]}
    assert api_client(manager).get("/api/v1/dashboards/me").json()["kpi_keys"] == ["order_backlog", "order_cycle_time"]
    assert api_client(admin).put("/api/v1/dashboards/presets/nope", data=payload,
                                 content_type="application/json").status_code == 404
