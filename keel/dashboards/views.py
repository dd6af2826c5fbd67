"""Dashboard pages: arranging your own dashboard, the alerts page, preset editing.

The dashboard itself is the home page (``keel.web.views.home_view``). Each view parses,
authorises (``@requires``), calls one service or selector, and renders; a refused change
comes back as a message on the page it came from.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keel.audit.services import record_export
from keel.core.errors import KeelError
from keel.core.listing import Column, Listing
from keel.core.views import requires
from keel.dashboards import permissions as p
from keel.dashboards import selectors, services
from keel.dashboards.choices import Status
from keel.dashboards.presets import FALLBACK, MAX_PERSONAL_TILES, MAX_PRESET_TILES
from keel.kpis import selectors as kpi_selectors
from keel.kpis.catalogue import CATALOGUE, KpiSpec
from keel.organization.models import JobTitle

ALERT_COLUMNS = (
    Column("raised_at", "Raised", sort="raised_at"),
    Column("kpi_name", "KPI", sort="kpi_name"),
    Column("scope_label", "Scope", sort="scope_label"),
    Column("previous_status", "From", sort="previous_status", value=lambda a: a.get_previous_status_display()),
    Column("status", "To", sort="status", value=lambda a: a.get_status_display()),
    Column("display", "Value"),
    Column("read_at", "Read", sort="read_at"),
)


def _edit_from_post(request: HttpRequest) -> tuple[str, str, str]:
    """The one edit a layout form asks for: a button named up/down/first/last/remove
    (its value the KPI key), or ``add`` from the select."""
    for direction in services.MOVES:
        if request.POST.get(direction):
            return "move", request.POST[direction], direction
    if request.POST.get("remove"):
        return "remove", request.POST["remove"], ""
    if request.POST.get("add"):
        return "add", request.POST["add"], ""
    return "", "", ""


def _refused(request: HttpRequest, error: KeelError) -> None:
    details = "; ".join(problem.message for problem in error.problems)
    messages.error(request, f"{error.detail} {details}".strip())


# --- Your dashboard -------------------------------------------------------------------------


@requires(p.VIEW_DASHBOARD.code)
def dashboard_edit_view(request: HttpRequest) -> HttpResponse:
    current = selectors.layout(actor=request.user)
    return render(request, "dashboards/edit.html", {
        "layout": [CATALOGUE[key] for key in current.keys],
        "is_personal": current.is_personal,
        "addable": selectors.addable_kpis(actor=request.user, keys=current.keys),
        "maximum": MAX_PERSONAL_TILES,
        "order_action": reverse("dashboards:order"), "change_action": reverse("dashboards:change"),
        "reset_action": reverse("dashboards:reset"),
    })


@requires(p.VIEW_DASHBOARD.code)
@require_POST
def dashboard_change_view(request: HttpRequest) -> HttpResponse:
    operation, key, direction = _edit_from_post(request)
    try:
        services.edit_dashboard(actor=request.user, operation=operation, key=key, direction=direction)
    except KeelError as error:
        _refused(request, error)
    return redirect("dashboards:edit")


@requires(p.VIEW_DASHBOARD.code)
@require_POST
def dashboard_order_view(request: HttpRequest) -> HttpResponse:
    try:
        services.save_dashboard(actor=request.user, keys=request.POST.getlist("keys"))
    except KeelError as error:
        _refused(request, error)
    return redirect("dashboards:edit")


@requires(p.VIEW_DASHBOARD.code)
@require_POST
def dashboard_reset_view(request: HttpRequest) -> HttpResponse:
    services.reset_dashboard(actor=request.user)
    messages.success(request, "Your dashboard follows your title's preset again.")
    return redirect("dashboards:edit")


# --- Alerts ---------------------------------------------------------------------------------


@requires(p.VIEW_ALERTS.code)
def alerts_view(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    status = request.GET.get("status", "")
    rows = selectors.alerts(
        actor=request.user,
        status=status if status in Status.values else None,
        is_read={"unread": False, "read": True}.get(state),
        kpi_key=request.GET.get("kpi") or None,
    )
    listing = Listing(request=request, queryset=rows, columns=ALERT_COLUMNS, search_fields=("kpi_name", "scope_label"),
                      default_sort="-raised_at", export_name="kpi-alerts")
    response = listing.export()
    if response is not None:
        record_export(actor=request.user, object_type="kpi_alert", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return response
    for row in listing.rows:
        row.kpi_url = kpi_selectors.kpi_url(row.kpi_key) if row.kpi_key in CATALOGUE else ""
    return render(request, "dashboards/alerts.html", {
        "listing": listing, "statuses": [s for s in Status.choices if s[0] != Status.NONE],
        "unread": selectors.unread_alert_count(actor=request.user),
    })


@requires(p.VIEW_ALERTS.code)
@require_POST
def alerts_read_view(request: HttpRequest) -> HttpResponse:
    ids: list[int] | None = None
    if "all" not in request.POST:
        ids = [int(value) for value in request.POST.getlist("alert") if value.isdigit()]
    count = services.mark_alerts_read(actor=request.user, alert_ids=ids)
    messages.success(request, f"{count} alert{'s' if count != 1 else ''} marked as read.")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/dashboard/alerts/") else "dashboards:alerts")


# --- Presets --------------------------------------------------------------------------------


def _title(slug: str) -> JobTitle:
    title = JobTitle.objects.filter(slug=slug).first()
    if title is None:
        raise Http404("No such job title")
    return title


def _preset_specs(title: JobTitle, stored: dict[int, list[str]]) -> list[KpiSpec]:
    visible = {spec.key for spec in selectors.title_visible_kpis(title=title)}
    keys = stored.get(title.pk, list(FALLBACK))
    return [CATALOGUE[key] for key in keys if key in CATALOGUE and key in visible]


@requires(p.VIEW_PRESET.code)
def presets_view(request: HttpRequest) -> HttpResponse:
    stored = {title.pk: keys for title, keys in selectors.presets(actor=request.user)}
    columns = (
        Column("name", "Job title", sort="sort_order"),
        Column("level", "Level", sort="level", value=lambda title: title.get_level_display()),
        Column("tiles", "Tiles", numeric=True, value=lambda title: len(_preset_specs(title, stored))),
        Column("kpis", "KPIs, in order",
               value=lambda title: ", ".join(spec.name for spec in _preset_specs(title, stored))),
    )
    listing = Listing(request=request, queryset=JobTitle.objects.all(), columns=columns,
                      search_fields=("name", "focus"), default_sort="name", export_name="dashboard-presets")
    response = listing.export()
    if response is not None:
        record_export(actor=request.user, object_type="dashboard_preset", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return response
    for title in listing.rows:
        title.specs = _preset_specs(title, stored)
    return render(request, "dashboards/presets.html", {
        "listing": listing, "can_change": request.user.has_action(p.CHANGE_PRESET.code),  # type: ignore[union-attr]
    })


@requires(p.VIEW_PRESET.code)
def preset_view(request: HttpRequest, slug: str) -> HttpResponse:
    title = _title(slug)
    visible = selectors.title_visible_kpis(title=title)
    allowed = {spec.key for spec in visible}
    keys = [key for key in selectors.preset_keys(title=title) if key in allowed]
    return render(request, "dashboards/preset.html", {
        "title": title,
        "layout": [CATALOGUE[key] for key in keys],
        "addable": [spec for spec in visible if spec.key not in keys],
        "maximum": MAX_PRESET_TILES,
        "can_change": request.user.has_action(p.CHANGE_PRESET.code),  # type: ignore[union-attr]
        "order_action": reverse("dashboards:preset-order", args=[title.slug]),
        "change_action": reverse("dashboards:preset-change", args=[title.slug]),
        "reset_action": reverse("dashboards:preset-reset", args=[title.slug]),
    })


@requires(p.CHANGE_PRESET.code)
@require_POST
def preset_change_view(request: HttpRequest, slug: str) -> HttpResponse:
    title = _title(slug)
    operation, key, direction = _edit_from_post(request)
    try:
        services.edit_preset(actor=request.user, title=title, operation=operation, key=key, direction=direction)
    except KeelError as error:
        _refused(request, error)
    return redirect("dashboards:preset", slug=title.slug)


@requires(p.CHANGE_PRESET.code)
@require_POST
def preset_order_view(request: HttpRequest, slug: str) -> HttpResponse:
    title = _title(slug)
    try:
        services.save_preset(actor=request.user, title=title, keys=request.POST.getlist("keys"))
    except KeelError as error:
        _refused(request, error)
    return redirect("dashboards:preset", slug=title.slug)


@requires(p.CHANGE_PRESET.code)
@require_POST
def preset_reset_view(request: HttpRequest, slug: str) -> HttpResponse:
    title = _title(slug)
    try:
        services.reset_preset(actor=request.user, title=title)
        messages.success(request, f"The {title.name} preset is back to the one Keel ships.")
    except KeelError as error:
        _refused(request, error)
    return redirect("dashboards:preset", slug=title.slug)
