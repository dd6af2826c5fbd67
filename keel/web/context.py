"""Template context: the navigation filtered to what the signed-in person may open, and the
number of their unread KPI alerts for the top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from keel.dashboards import selectors as dashboard_selectors
from keel.dashboards.permissions import VIEW_ALERTS
from keel.web.navigation import AREAS


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": []}
    areas = []
    for area in AREAS:
        pages = [page for page in area.pages if user.has_action(page.action)]
        areas.append({"area": area, "pages": pages})
    unread = None
    if user.has_action(VIEW_ALERTS.code):
        unread = dashboard_selectors.unread_alert_count(actor=user)
    return {"nav_areas": areas, "current_path": request.path, "unread_alerts": unread}
