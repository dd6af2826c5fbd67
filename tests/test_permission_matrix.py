"""Deny by default, checked over every route, every title preset and anonymous callers.

Given the URL configuration and the API's operations, when each of the 31 job titles and
an anonymous caller requests each route, then the outcome matches the route's declared
action: a log-in redirect or 401 for anonymous, 403 for a title without the action, and
never a 2xx where the declared policy says no.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.api import api
from keel.audit.models import AuditRecord
from keel.core.api import KEEL_ACTION_KEY, ActionAuth
from keel.organization.models import JobTitle, Person

NINJA_PUBLIC = {"api:api-root", "api:openapi-json", "api:openapi-view"}


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}:{entry.namespace}" if entry.namespace and namespace else entry.namespace or namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield prefix + str(entry.pattern), name, entry.callback


def web_routes() -> list[tuple[str, str, Any]]:
    return [route for route in walk(get_resolver().url_patterns) if not route[0].startswith("api/")]


def test_every_web_route_declares_an_action_or_is_marked_public() -> None:
    # Given every URL pattern outside the API
    undeclared = [
        (path, name)
        for path, name, view in web_routes()
        if not getattr(view, "keel_action", None) and not getattr(view, "keel_public", False)
    ]
    # Then none is left without a declaration
    assert undeclared == []


def test_public_web_routes_are_exactly_the_expected_ones() -> None:
    public = sorted(name for _, name, view in web_routes() if getattr(view, "keel_public", False))
    assert public == ["web:health", "web:login"]


def test_every_api_operation_declares_an_action() -> None:
    # Given the OpenAPI schema and the operations behind it
    schema = api.get_openapi_schema()
    missing = [
        (path, method)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if KEEL_ACTION_KEY not in operation
    ]
    assert missing == []
    for router_prefix, router in api._routers:  # noqa: B007
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                assert [type(callback) for callback in operation.auth_callbacks] == [ActionAuth], operation.view_func


def test_the_api_schema_views_are_the_only_api_routes_without_an_action() -> None:
    names = {name for path, name, _ in walk(get_resolver().url_patterns) if path.startswith("api/")}
    operations = {
        f"api:{operation.view_func.__name__}"
        for _, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    }
    assert names - operations == NINJA_PUBLIC


# --- The matrix -----------------------------------------------------------------------

# url name -> (method, kwargs builder taking (persona, context))
WEB_ROUTES: dict[str, tuple[str, Callable[[Person, dict[str, Any]], dict[str, Any]]]] = {
    "web:home": ("GET", lambda person, ctx: {}),
    "web:area": ("GET", lambda person, ctx: {"slug": "process"}),
    "web:logout": ("POST", lambda person, ctx: {}),
    "organization:people": ("GET", lambda person, ctx: {}),
    "organization:person": ("GET", lambda person, ctx: {"pk": person.pk}),
    "organization:person-create": ("GET", lambda person, ctx: {}),
    "organization:person-edit": ("GET", lambda person, ctx: {"pk": person.pk}),
    "organization:person-deactivate": ("POST", lambda person, ctx: {"pk": person.pk}),
    "organization:person-scope": ("GET", lambda person, ctx: {"pk": person.pk}),
    "organization:person-password": ("POST", lambda person, ctx: {"pk": person.pk}),
    "organization:password": ("GET", lambda person, ctx: {}),
    "organization:titles": ("GET", lambda person, ctx: {}),
    "organization:title-create": ("GET", lambda person, ctx: {}),
    "organization:title": ("GET", lambda person, ctx: {"pk": person.title_id}),
    "organization:sites": ("GET", lambda person, ctx: {}),
    "organization:site-create": ("GET", lambda person, ctx: {}),
    "organization:department-create": ("GET", lambda person, ctx: {}),
    "organization:site-edit": ("GET", lambda person, ctx: {"pk": person.site_id}),
    "organization:team-create": ("GET", lambda person, ctx: {}),
    "organization:tokens": ("GET", lambda person, ctx: {}),
    "organization:token-revoke": ("POST", lambda person, ctx: {"pk": ctx["foreign_token"]}),
    "audit:list": ("GET", lambda person, ctx: {}),
    "events:list": ("GET", lambda person, ctx: {}),
    "events:export": ("GET", lambda person, ctx: {}),
    "events:import": ("GET", lambda person, ctx: {}),
    "supply_chain:items": ("GET", lambda person, ctx: {}),
    "supply_chain:item-create": ("GET", lambda person, ctx: {}),
    "supply_chain:item": ("GET", lambda person, ctx: {"sku": "NO-SUCH-SKU"}),
    "supply_chain:movements": ("GET", lambda person, ctx: {}),
    "supply_chain:move": ("GET", lambda person, ctx: {}),
    "supply_chain:locations": ("GET", lambda person, ctx: {}),
    "supply_chain:suppliers": ("GET", lambda person, ctx: {}),
    "supply_chain:supplier-create": ("GET", lambda person, ctx: {}),
    "supply_chain:supplier-import": ("GET", lambda person, ctx: {}),
    "supply_chain:item-import": ("GET", lambda person, ctx: {}),
    "supply_chain:stock-import": ("GET", lambda person, ctx: {}),
    "supply_chain:import-job": ("GET", lambda person, ctx: {"pk": 999999}),
    "supply_chain:supplier": ("GET", lambda person, ctx: {"code": "NO-SUCH-SUPPLIER"}),
    "supply_chain:supplier-edit": ("GET", lambda person, ctx: {"code": "NO-SUCH-SUPPLIER"}),
    "supply_chain:supplier-item": ("GET", lambda person, ctx: {"code": "NO-SUCH-SUPPLIER"}),
    "supply_chain:purchase-orders": ("GET", lambda person, ctx: {}),
    "supply_chain:purchase-order-create": ("GET", lambda person, ctx: {}),
    "supply_chain:purchase-order": ("GET", lambda person, ctx: {"pk": 999999}),
    "supply_chain:purchase-order-submit": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:purchase-order-approve": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:purchase-order-send": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:purchase-order-cancel": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:purchase-order-close": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:purchase-order-receive": ("GET", lambda person, ctx: {"pk": 999999}),
    "supply_chain:transfers": ("GET", lambda person, ctx: {}),
    "supply_chain:transfer-create": ("GET", lambda person, ctx: {}),
    "supply_chain:transfer": ("GET", lambda person, ctx: {"pk": 999999}),
    "supply_chain:transfer-ship": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:transfer-receive": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:transfer-cancel": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:counts": ("GET", lambda person, ctx: {}),
    "supply_chain:count-create": ("GET", lambda person, ctx: {}),
    "supply_chain:count": ("GET", lambda person, ctx: {"pk": 999999}),
    "supply_chain:count-approve": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:count-post": ("POST", lambda person, ctx: {"pk": 999999}),
    "supply_chain:count-cancel": ("POST", lambda person, ctx: {"pk": 999999}),
    "orders:list": ("GET", lambda person, ctx: {}),
    "orders:create": ("GET", lambda person, ctx: {}),
    "orders:queue": ("GET", lambda person, ctx: {}),
    "orders:import": ("GET", lambda person, ctx: {}),
    "orders:export-lines": ("GET", lambda person, ctx: {}),
    "orders:shipments": ("GET", lambda person, ctx: {}),
    "orders:deliver": ("POST", lambda person, ctx: {"pk": 999999}),
    "orders:customers": ("GET", lambda person, ctx: {}),
    "orders:customer-create": ("GET", lambda person, ctx: {}),
    "orders:detail": ("GET", lambda person, ctx: {"pk": 999999}),
    "orders:confirm": ("POST", lambda person, ctx: {"pk": 999999}),
    "orders:allocate": ("POST", lambda person, ctx: {"pk": 999999}),
    "orders:pick": ("POST", lambda person, ctx: {"pk": 999999}),
    "orders:pick-confirm": ("POST", lambda person, ctx: {"pk": 999999, "pick_list_pk": 999999}),
    "orders:pack": ("GET", lambda person, ctx: {"pk": 999999}),
    "orders:ship": ("GET", lambda person, ctx: {"pk": 999999}),
    "orders:hold": ("POST", lambda person, ctx: {"pk": 999999}),
    "orders:release-hold": ("POST", lambda person, ctx: {"pk": 999999}),
    "orders:cancel": ("POST", lambda person, ctx: {"pk": 999999}),
    "processes:list": ("GET", lambda person, ctx: {}),
    "processes:map": ("GET", lambda person, ctx: {"process": "order-fulfillment"}),
    "processes:arc-cases": ("GET", lambda person, ctx: {"process": "order-fulfillment"}),
    "processes:case": ("GET", lambda person, ctx: {"process": "order-fulfillment", "case_id": "sales_order:999999"}),
    "processes:variants": ("GET", lambda person, ctx: {"process": "purchasing"}),
    "processes:bottlenecks": ("GET", lambda person, ctx: {"process": "order-fulfillment"}),
    "processes:compare": ("GET", lambda person, ctx: {"process": "order-fulfillment"}),
    "processes:models": ("GET", lambda person, ctx: {}),
    "processes:model-create": ("GET", lambda person, ctx: {}),
    "processes:model": ("GET", lambda person, ctx: {"pk": 999999}),
    "processes:model-edit": ("GET", lambda person, ctx: {"pk": 999999}),
    "processes:conformance": ("GET", lambda person, ctx: {}),
    "processes:initiatives": ("GET", lambda person, ctx: {}),
    "processes:initiative-create": ("GET", lambda person, ctx: {}),
    "processes:initiative": ("GET", lambda person, ctx: {"pk": 999999}),
    "processes:logs": ("GET", lambda person, ctx: {}),
    "processes:log-import": ("GET", lambda person, ctx: {}),
    "processes:log": ("GET", lambda person, ctx: {"pk": 999999}),
    "processes:log-delete": ("POST", lambda person, ctx: {"pk": 999999}),
    "processes:log-export": ("GET", lambda person, ctx: {"pk": 999999}),
    "processes:process-export": ("GET", lambda person, ctx: {"process": "order-fulfillment"}),
    "planning:workbench": ("GET", lambda person, ctx: {}),
    "planning:why": ("GET", lambda person, ctx: {"pk": 999999}),
    "planning:approve": ("POST", lambda person, ctx: {}),
    "planning:runs": ("GET", lambda person, ctx: {}),
    "planning:run-start": ("POST", lambda person, ctx: {}),
    "planning:run-progress": ("GET", lambda person, ctx: {"pk": 999999}),
    "planning:item": ("GET", lambda person, ctx: {"sku": "NO-SUCH-SKU"}),
    "planning:accuracy": ("GET", lambda person, ctx: {}),
    "planning:targets": ("GET", lambda person, ctx: {}),
    "kpis:catalogue": ("GET", lambda person, ctx: {}),
    "kpis:detail": ("GET", lambda person, ctx: {"key": "no_such_kpi"}),
    "kpis:target": ("GET", lambda person, ctx: {"key": "no_such_kpi"}),
    "dashboards:edit": ("GET", lambda person, ctx: {}),
    "dashboards:change": ("POST", lambda person, ctx: {}),
    "dashboards:order": ("POST", lambda person, ctx: {}),
    "dashboards:reset": ("POST", lambda person, ctx: {}),
    "dashboards:alerts": ("GET", lambda person, ctx: {}),
    "dashboards:alerts-read": ("POST", lambda person, ctx: {}),
    "dashboards:presets": ("GET", lambda person, ctx: {}),
    "dashboards:preset": ("GET", lambda person, ctx: {"slug": person.title.slug}),
    "dashboards:preset-change": ("POST", lambda person, ctx: {"slug": person.title.slug}),
    "dashboards:preset-order": ("POST", lambda person, ctx: {"slug": person.title.slug}),
    "dashboards:preset-reset": ("POST", lambda person, ctx: {"slug": person.title.slug}),
}


def test_the_matrix_covers_every_declared_web_route() -> None:
    declared = {name for _, name, view in web_routes() if getattr(view, "keel_action", None)}
    assert declared == set(WEB_ROUTES)


def api_operations() -> list[tuple[str, str, str]]:
    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path, operation[KEEL_ACTION_KEY])
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    )


@pytest.fixture
def personas(make_person: Callable[..., Person], site_columbus: Any, department_sales: Any) -> list[Person]:
    """One person per catalogue title; every other one works at Columbus in Revenue & Sales,
    so that site and department scopes differ between them."""
    return [
        make_person(title.slug, site=site_columbus, department=department_sales) if number % 2 else make_person(title.slug)
        for number, title in enumerate(JobTitle.objects.order_by("sort_order"))
    ]


def _view_for(name: str) -> Any:
    for _, route_name, view in web_routes():
        if route_name == name:
            return view
    raise KeyError(name)


@pytest.mark.django_db
def test_web_matrix(personas: list[Person], admin: Person, api_client: Any) -> None:
    # Given a token that belongs to somebody else (for the revoke route)
    from keel.organization import services

    foreign = services.create_api_token(actor=admin, person=admin, name="admin's", actions=["*"], expires_in_days=5)
    context = {"foreign_token": foreign.token.pk}
    unexpected: list[str] = []
    for name, (method, kwargs_for) in WEB_ROUTES.items():
        action = _view_for(name).keel_action
        # Anonymous: always sent to sign in, never a page
        url = reverse(name, kwargs=kwargs_for(personas[0], context))
        anonymous = Client().generic(method, url)
        if anonymous.status_code != 302 or "/login/" not in anonymous["Location"]:
            unexpected.append(f"anonymous {method} {url} -> {anonymous.status_code}")
        for person in personas:
            client = Client()
            client.force_login(person)
            url = reverse(name, kwargs=kwargs_for(person, context))
            response = client.generic(method, url)
            allowed = person.has_action(action)
            if not allowed and response.status_code != 403:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, expected 403")
            if allowed and response.status_code in {401, 403}:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, expected access")
            if response.status_code >= 500:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, a server error")
            # A permitted page that names no record renders; one that names a record may 404.
            plain_get = method == "GET" and not kwargs_for(person, context)
            if allowed and plain_get and response.status_code != 200:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, expected 200")
    assert unexpected == []


@pytest.mark.django_db
def test_api_matrix(personas: list[Person], api_client: Any) -> None:
    unexpected: list[str] = []
    for method, path, action in api_operations():
        for person in [None, *personas]:
            url = (
                path.replace("{person_id}", str(person.pk if person else personas[0].pk))
                .replace("{sku}", "NO-SUCH-SKU")
                .replace("{posting_id}", "00000000-0000-4000-8000-000000000000")
                .replace("{supplier_code}", "NO-SUCH-SUPPLIER")
                .replace("{order_id}", "999999")
                .replace("{pick_list_id}", "999999")
                .replace("{shipment_id}", "999999")
                .replace("{transfer_id}", "999999")
                .replace("{count_id}", "999999")
                .replace("{job_id}", "999999")
                .replace("{process}", "order-fulfillment")
                .replace("{case_id}", "sales_order:999999")
                .replace("{model_id}", "999999")
                .replace("{initiative_id}", "999999")
                .replace("{log_id}", "999999")
                .replace("{run_id}", "999999")
                .replace("{plan_id}", "999999")
                .replace("{target_id}", "999999")
                .replace("{key}", "no_such_kpi")
                .replace("{slug}", "no-such-title")
            )
            client = api_client(person) if person else Client()
            response = client.generic(method, url, data="{}", content_type="application/json")
            if person is None:
                if response.status_code != 401:
                    unexpected.append(f"anonymous {method} {url} -> {response.status_code}")
                continue
            allowed = person.has_action(action)
            if not allowed and response.status_code != 403:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, expected 403")
            if allowed and response.status_code in {401, 403}:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, expected access")
            if response.status_code >= 500:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, a server error")
            if allowed and method == "GET" and "{" not in path and response.status_code != 200:
                unexpected.append(f"{person.title.slug} {method} {url} -> {response.status_code}, expected 200")
            # An empty PATCH is a valid no-op; any other write with an empty body must fail.
            if allowed and method in {"POST", "PUT"} and 200 <= response.status_code < 300:
                unexpected.append(f"{person.title.slug} {method} {url} with an empty body -> {response.status_code}")
    assert unexpected == []


@pytest.mark.django_db
def test_refused_access_is_audited(make_person: Callable[..., Person], login: Callable[[Person], Client]) -> None:
    # Given a Fulfillment Manager, whose preset has no risk access
    person = make_person("fulfillment-manager")
    before = AuditRecord.objects.filter(action="access_denied").count()
    # When they open the audit trail
    response = login(person).get(reverse("audit:list"))
    # Then they are refused, and the refusal is on the record
    assert response.status_code == 403
    record = AuditRecord.objects.filter(action="access_denied").latest("id")
    assert AuditRecord.objects.filter(action="access_denied").count() == before + 1
    assert (record.actor_id, record.object_repr, record.message) == (person.pk, "/audit/", "Needed audit.view_audit")


# Literal cells of the policy, so that a change to the catalogue shows up here too.
SPOT_CHECKS = [
    ("chief-operating-officer", "audit.view_audit", True),
    ("chief-operating-officer", "organization.create_person", True),
    ("chief-administrative-officer", "organization.change_job_title", True),
    ("fulfillment-manager", "audit.view_audit", False),
    ("fulfillment-manager", "events.view_event", True),
    ("fulfillment-manager", "organization.create_person", False),
    ("fulfillment-manager", "organization.view_person", True),
    ("supply-chain-manager", "events.ingest_events", False),
    ("vp-of-business-operations", "events.ingest_events", True),
    ("vp-of-business-operations", "events.import_events", True),
    ("customer-success-operations-manager", "events.view_event", True),
    ("customer-success-operations-manager", "audit.view_audit", False),
    ("director-of-supply-chain", "audit.view_audit", True),
    ("director-of-supply-chain", "audit.export_audit", False),
    ("sales-operations-manager", "organization.manage_own_tokens", True),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "action", "expected"), SPOT_CHECKS)
def test_catalogue_presets_grant_what_the_titles_need(slug: str, action: str, expected: bool) -> None:
    assert (action in JobTitle.objects.get(slug=slug).actions()) is expected
