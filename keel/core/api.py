"""API kernel: a router that makes every operation declare its action, auth, problem+json.

Deny by default: ``KeelRouter.get/post/...`` take a required keyword ``action``; the
operation's auth checks that the caller (API token or browser session) holds it before
the body is parsed, so a caller without the action learns nothing from validation errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security.base import AuthBase
from pydantic import ConfigDict

from keel.core.errors import FieldProblem, KeelError, PermissionDenied, Throttled, ValidationFailed
from keel.core.middleware import problem_response
from keel.core.permissions import get_action

KEEL_ACTION_KEY = "x-keel-action"


class ActionAuth(AuthBase):
    """Authenticate the caller, then require one declared action."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, action: str) -> None:
        get_action(action)  # fail at import time on an undeclared action
        self.action = action
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        actor = None
        for path in settings.KEEL_API_AUTHENTICATORS:
            authenticator: Callable[[HttpRequest], Any] = import_string(path)
            actor = authenticator(request)
            if actor is not None:
                break
        if actor is None:
            return None
        if not actor.has_action(self.action):
            for hook in getattr(settings, "KEEL_ACCESS_DENIED_HOOKS", []):
                import_string(hook)(actor=actor, action=self.action, path=request.path)
            raise PermissionDenied(f"Your role does not allow {self.action}.")
        return actor


class KeelRouter(Router):
    """A ninja Router whose operations must each name the action they need."""

    def api_operation(  # type: ignore[override]
        self,
        methods: list[str],
        path: str,
        *,
        action: str,
        auth: Any = None,
        openapi_extra: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Callable[[Any], Any]:
        extra = dict(openapi_extra or {})
        extra[KEEL_ACTION_KEY] = action
        return super().api_operation(
            methods, path, auth=[ActionAuth(action)], openapi_extra=extra, **kwargs
        )

    def get(self, path: str, *, action: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self.api_operation(["GET"], path, action=action, **kwargs)

    def post(self, path: str, *, action: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self.api_operation(["POST"], path, action=action, **kwargs)

    def put(self, path: str, *, action: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self.api_operation(["PUT"], path, action=action, **kwargs)

    def patch(self, path: str, *, action: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self.api_operation(["PATCH"], path, action=action, **kwargs)

    def delete(self, path: str, *, action: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self.api_operation(["DELETE"], path, action=action, **kwargs)


class InputSchema(Schema):
    """Base for request bodies: unknown (and so read-only) fields are refused."""

    model_config = ConfigDict(extra="forbid")


def _location(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc if part not in {"body", "query", "path", "payload"}]
    return ".".join(parts) or "body"


def install_problem_handlers(api: NinjaAPI) -> None:
    """RFC 9457 problem+json for every error the API can produce; never a stack trace."""

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {"field": _location(error.get("loc", ())), "message": str(error.get("msg", "invalid"))}
            for error in exc.errors
        ]
        return problem_response(422, "Validation failed", "The request has invalid fields.", errors=errors)

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem_response(
            401, "Unauthorized", "Send 'Authorization: Bearer <token>' or log in."
        )
        response["WWW-Authenticate"] = 'Bearer realm="keel"'
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem_response(exc.status_code, "Request refused", str(exc))

    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django answers these with a 400 itself; without this handler the API's
        # ProblemMiddleware would turn them into a 500 and log a stack trace.
        if isinstance(exc, RequestDataTooBig):
            return problem_response(
                413, "Content too large",
                f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
            )
        return problem_response(400, "Bad request", "The request was refused as malformed.")

    def on_keel_error(request: HttpRequest, exc: KeelError) -> HttpResponse:
        errors = [problem.as_dict() for problem in exc.problems]
        extra: dict[str, object] = {"errors": errors} if errors else {}
        response = problem_response(exc.status, exc.title, exc.detail, **extra)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response

    api.add_exception_handler(ValidationError, on_validation)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, on_authentication)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(SuspiciousOperation, on_suspicious)  # type: ignore[arg-type]
    api.add_exception_handler(KeelError, on_keel_error)  # type: ignore[arg-type]


T = TypeVar("T")


class PageParams(Schema):
    """Pagination query parameters; a limit above the maximum is a 422, not a silent cap."""

    limit: int = Field(50, ge=1, le=500, description="Rows per page (1 to 500).")
    offset: int = Field(0, ge=0, description="Rows to skip.")


class Page(Schema, Generic[T]):
    count: int
    limit: int
    offset: int
    items: list[T]


def paginate(queryset: QuerySet[Any], params: PageParams) -> dict[str, Any]:
    """One COUNT and one page query, whatever the page."""
    count = queryset.count()
    items = list(queryset[params.offset : params.offset + params.limit])
    return {"count": count, "limit": params.limit, "offset": params.offset, "items": items}


def apply_ordering(
    queryset: QuerySet[Any], ordering: str | None, allowed: dict[str, str], default: str
) -> QuerySet[Any]:
    """Order by a public field name (``-name`` for descending) from an allow-list."""
    if not ordering:
        return queryset.order_by(default, "pk")
    descending = ordering.startswith("-")
    key = ordering.lstrip("-")
    if key not in allowed:
        choices = ", ".join(sorted(allowed))
        raise ValidationFailed(
            "The ordering is not supported.",
            problems=[FieldProblem(field="ordering", message=f"unknown field {key!r}; use one of {choices}")],
        )
    column = allowed[key]
    return queryset.order_by(f"-{column}" if descending else column, "pk")
