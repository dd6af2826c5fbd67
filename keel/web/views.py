"""The shell: sign in and out, each title's home page, the area pages, health."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
from keel.events import selectors as event_selectors
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
    context = {
        "tiles": home_tiles(person),
        "title": title,
        "levels": levels,
        "reach": organization_selectors.describe_reach(actor=person),
        "recent_events": recent,
        "headcount": organization_selectors.people(actor=person).count()
        if person.has_action("organization.view_person")  # type: ignore[union-attr]
        else None,
    }
    return render(request, "web/home.html", context)


def home_tiles(person: Any) -> list[dict[str, object]]:
    """Figures from what is built so far, each shown only to roles that may see it.

    The KPI module replaces these with governed KPIs per title; until then they are real
    counts, never sample numbers.
    """
    from datetime import timedelta

    from django.db.models import Sum
    from django.utils import timezone

    from keel.audit import selectors as audit_selectors
    from keel.supply_chain import selectors as stock_selectors

    week_ago = timezone.now() - timedelta(days=7)
    tiles: list[dict[str, object]] = []
    if person.has_action("events.view_event"):
        count = event_selectors.events(actor=person).filter(occurred_at__gte=week_ago).count()
        tiles.append({"label": "Events in the last 7 days", "value": count, "url": "events:list", "area": "Process"})
    if person.has_action("supply_chain.view_item"):
        totals = stock_selectors.balances(actor=person).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        items = stock_selectors.items(actor=person, is_active=True).count()
        tiles.append({"label": "Active items", "value": items, "url": "supply_chain:items", "area": "Supply chain"})
        tiles.append({"label": "Units on hand in your sites", "value": totals["on_hand"] or 0,
                      "detail": f"{Decimal(totals['reserved'] or 0).normalize():f} reserved",
                      "url": "supply_chain:items", "area": "Supply chain"})
    if person.has_action("audit.view_audit"):
        changes = audit_selectors.audit_records(actor=person, since=week_ago.date()).count()
        tiles.append({"label": "Audit records this week", "value": changes, "url": "audit:list", "area": "Risk"})
    if person.has_action("organization.view_person"):
        tiles.append({"label": "People in your scope", "value": organization_selectors.people(actor=person, is_active=True).count(),
                      "url": "organization:people", "area": "Administration"})
    if person.has_action("organization.manage_own_tokens"):
        from django.utils import timezone as tz

        active = organization_selectors.api_tokens(actor=person).filter(revoked_at__isnull=True, expires_at__gt=tz.now()).count()
        tiles.append({"label": "Your active API tokens", "value": active, "url": "organization:tokens", "area": "Automation"})
    return tiles


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
