"""Deny-by-default for web pages: every view is either ``@requires(action)`` or ``@public``.

A test walks the URL configuration and fails on any view that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.module_loading import import_string

from keel.core.errors import FieldProblem, KeelError, ValidationFailed
from keel.core.permissions import get_action

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def requires(action: str) -> Callable[[V], V]:
    """Require a signed-in person holding ``action``; otherwise log-in redirect or 403."""
    get_action(action)

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = settings.LOGIN_URL
                    return response
                return redirect_to_login(request.get_full_path())
            if not user.has_action(action):
                for hook in getattr(settings, "KEEL_ACCESS_DENIED_HOOKS", []):
                    import_string(hook)(actor=user, action=action, path=request.path)
                return render(
                    request, "403.html", {"needed_action": get_action(action)}, status=403
                )
            try:
                return view(request, *args, **kwargs)
            except KeelError as error:
                return render(
                    request, "error.html", {"error": error}, status=error.status
                )

        wrapper.keel_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def refuse(request: HttpRequest, action: str) -> HttpResponse:
    """The 403 page for an action checked inside a view (a second action on one route),
    audited like every other refusal."""
    for hook in getattr(settings, "KEEL_ACCESS_DENIED_HOOKS", []):
        import_string(hook)(actor=request.user, action=action, path=request.path)
    return render(request, "403.html", {"needed_action": get_action(action)}, status=403)


def date_param(request: HttpRequest, name: str) -> date | None:
    """A YYYY-MM-DD query parameter, or a clear 422 naming it."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        raise ValidationFailed(
            "The filter could not be read.",
            problems=[FieldProblem(field=name, message=f"{raw!r} is not a date (use YYYY-MM-DD)")],
        )
    return value


def public(view: V) -> V:
    """Mark a view as reachable without signing in (login page, health check)."""
    view.keel_public = True  # type: ignore[attr-defined]
    return view
