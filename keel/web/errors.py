"""Error pages: problem+json under /api/, friendly pages elsewhere, never a stack trace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from keel.core.middleware import problem_response
from keel.core.views import public


@public
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(404, "Not found", "No such resource.")
    return render(request, "404.html", status=404)


@public
def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(500, "Internal server error", "The server failed; the error was logged.")
    return HttpResponse(render_to_string("500.html"), status=500)
