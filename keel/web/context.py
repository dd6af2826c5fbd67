"""Template context: the navigation filtered to what the signed-in person may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from keel.web.navigation import AREAS


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": []}
    areas = []
    for area in AREAS:
        pages = [page for page in area.pages if user.has_action(page.action)]
        areas.append({"area": area, "pages": pages})
    return {"nav_areas": areas, "current_path": request.path}
