"""Middleware: request metadata for the audit trail; problem+json for failures."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from keel.core.context import RequestMeta, request_meta

logger = logging.getLogger("keel")


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. X-Forwarded-For counts only when the request came through a
    proxy listed in KEEL_TRUSTED_PROXIES, and then the nearest address that is not itself a
    trusted proxy wins (anything further left could have been written by the client)."""
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    trusted = set(getattr(settings, "KEEL_TRUSTED_PROXIES", []))
    if remote not in trusted:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        meta = RequestMeta(
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            channel=channel,
        )
        with request_meta(meta):
            response = self.get_response(request)
        response["X-Request-ID"] = meta.request_id
        return response


class PersonTimeZoneMiddleware:
    """Show times in the signed-in person's own time zone (stored times stay UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone_name = getattr(user, "time_zone", None) if user is not None and user.is_authenticated else None
        if zone_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def problem_response(status: int, title: str, detail: str, **extra: object) -> JsonResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return JsonResponse(body, status=status, content_type="application/problem+json")


class ProblemMiddleware:
    """Turns an unexpected exception under /api/ into a problem+json 500 without a trace.

    Web pages get Django's own 500 page (templates/500.html), which never shows a trace
    when DEBUG is off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            if isinstance(exception, Http404):
                return problem_response(404, "Not found", "No such resource.")
            if isinstance(exception, DjangoPermissionDenied):
                return problem_response(403, "Forbidden", "You may not do this.")
            if isinstance(exception, SuspiciousOperation):
                return problem_response(400, "Bad request", "The request was refused.")
            logger.exception("unhandled error in %s", request.path)
            return problem_response(500, "Internal server error", "The server failed; the error was logged.")
        return None
