"""Domain errors that every entry point turns into a clear message (RFC 9457 in the API)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One reason an input was refused: where (row, field) and why."""

    field: str
    message: str
    row: int | None = None

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"field": self.field, "message": self.message}
        if self.row is not None:
            data["row"] = self.row
        return data


class KeelError(Exception):
    """Base for errors with a message meant for the user."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[FieldProblem] = problems or []


class ValidationFailed(KeelError):
    status = 422
    title = "Validation failed"


class NotFound(KeelError):
    status = 404
    title = "Not found"


class Conflict(KeelError):
    status = 409
    title = "Conflict"


class PermissionDenied(KeelError):
    status = 403
    title = "Forbidden"


class Throttled(KeelError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass
class ProblemCollector:
    """Collects per-row problems so that a whole batch is validated before anything is written."""

    problems: list[FieldProblem] = field(default_factory=list)

    def add(self, field_name: str, message: str, row: int | None = None) -> None:
        self.problems.append(FieldProblem(field=field_name, message=message, row=row))

    def raise_if_any(self, detail: str) -> None:
        if self.problems:
            raise ValidationFailed(detail, problems=list(self.problems))
