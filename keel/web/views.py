"""The shell: sign in and out, each title's home page, the area pages, health."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from keel.core.errors import Throttled
from keel.core.middleware import client_ip
from keel.core.permissions import AREA_LABELS, Area, Level
from keel.core.views import public, requires
from keel.dashboards import permissions as dashboard_permissions
from keel.dashboards import presentation
from keel.dashboards import selectors as dashboard_selectors
from keel.events import selectors as event_selectors
from keel.kpis import selectors as kpi_selectors
from keel.organization import selectors as organization_selectors
from keel.organization import services as organization_services
from keel.organization.auth import begin_login_attempt, finish_login_attempt
from keel.organization.permissions import USE_KEEL
from keel.web.navigation import area_by_slug


@public
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or "web:home")
    context: dict[str, object] = {"next": next_url, "email": "", "demo_mode": settings.KEEL_DEMO_MODE}
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        password = request.POST.get("password", "")
        context["email"] = email
        if not email or not password:
            context["error"] = "Enter your email and password."
            return render(request, "web/login.html", context, status=400)
        try:
            ticket = begin_login_attempt(username=email, ip_address=client_ip(request))
        except Throttled as throttled:
            context["error"] = f"Too many attempts. Try again in {throttled.retry_after} seconds."
            response = render(request, "web/login.html", context, status=429)
            response["Retry-After"] = str(throttled.retry_after)
            return response
        person = authenticate(request, username=email, password=password)
        finish_login_attempt(ticket, succeeded=person is not None)
        if person is None:
            organization_services.record_login_failure(username=email, reason="wrong email or password")
            context["error"] = "That email and password do not match an active account."
            return render(request, "web/login.html", context, status=200)
        login(request, person)
        organization_services.record_login(person=person)
        return redirect(next_url or "web:home")
    return render(request, "web/login.html", context)


@requires(USE_KEEL.code)
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    person = request.user
    organization_services.record_logout(person=person)  # type: ignore[arg-type]
    logout(request)
    return redirect("web:login")


@requires(USE_KEEL.code)
def home_view(request: HttpRequest) -> HttpResponse:
    """The person's KPI dashboard (their layout, or their title's preset), then their reach,
    what their role can do and the latest activity in their scope."""
    person = request.user
    title = person.title  # type: ignore[union-attr]
    from keel.core.permissions import get_action

    def area_of(code: str) -> str | None:
        try:
            return get_action(code).area.value
        except KeyError:
            return None

    granted = [area_of(code) for code in title.granted_actions]
    revoked = [area_of(code) for code in title.revoked_actions]
    levels = []
    for area in Area:
        level = Level.MANAGE if person.is_superuser else Level.parse(title.area_levels.get(area.value, "none"))
        levels.append({
            "slug": area.value, "label": AREA_LABELS[area], "level": level.name.lower(), "rank": int(level),
            "granted": 0 if person.is_superuser else granted.count(area.value),
            "revoked": 0 if person.is_superuser else revoked.count(area.value),
        })
    recent: list[dict[str, object]] = []
    if person.has_action("events.view_event"):  # type: ignore[union-attr]
        latest = list(event_selectors.events(actor=person).order_by("-occurred_at", "-id")[:8])
        links = event_selectors.event_links([event.pk for event in latest])
        recent = [{"event": event, "objects": links[event.pk]} for event in latest]
    cards: list[presentation.Card] = []
    is_personal = False
    can_arrange = person.has_action(dashboard_permissions.VIEW_DASHBOARD.code)  # type: ignore[union-attr]
    if can_arrange:
        layout, tiles = dashboard_selectors.dashboard(actor=person)
        is_personal = layout.is_personal
        cards = presentation.cards(tiles, urls={tile.spec.key: kpi_selectors.kpi_url(tile.spec.key) for tile in tiles})
    context = {
        "cards": cards,
        "can_arrange": can_arrange,
        "is_personal": is_personal,
        "status_counts": {status: sum(1 for card in cards if card.status == status and not card.no_data)
                          for status in ("red", "amber", "green")},
        "title": title,
        "levels": levels,
        "reach": organization_selectors.describe_reach(actor=person),
        "recent_events": recent,
        "headcount": organization_selectors.people(actor=person).count()
        if person.has_action("organization.view_person")  # type: ignore[union-attr]
        else None,
    }
    return render(request, "web/home.html", context)


@requires(USE_KEEL.code)
def area_view(request: HttpRequest, slug: str) -> HttpResponse:
    area = area_by_slug(slug)
    if area is None:
        raise Http404("No such area")
    pages = [page for page in area.pages if request.user.has_action(page.action)]  # type: ignore[union-attr]
    return render(request, "web/area.html", {"nav_area": area, "pages": pages})


@public
def health_view(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
