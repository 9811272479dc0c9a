"""One error type for the whole app, rendered as RFC 9457 problem+json by the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class AppError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.detail)

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://mandate.example/problems/{self.code.replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        body.update(self.extra)
        return body


class ValidationFailed(AppError):
    status = 422
    code = "validation_error"
    title = "Some fields are not valid"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(message, errors=[FieldError(field, message)])


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"
    title = "Authentication required"


class InvalidCredentials(AppError):
    status = 401
    code = "invalid_credentials"
    title = "Email or password is incorrect"


class PermissionDenied(AppError):
    status = 403
    code = "permission_denied"
    title = "Your role does not allow this"


class CsrfFailed(AppError):
    status = 403
    code = "csrf_failed"
    title = "The form expired or came from another site; reload the page and try again"


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Gone(AppError):
    status = 410
    code = "gone"
    title = "This is no longer available"


class EntitlementRequired(AppError):
    status = 402
    code = "entitlement_required"
    title = "Your plan does not include this"


class LimitReached(AppError):
    status = 402
    code = "limit_reached"
    title = "Your plan's limit is reached"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"
    title = "Too many attempts; try again later"


PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_schema(description: str) -> dict[str, Any]:
    """OpenAPI response entry for a problem+json error."""
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    names = {
        400: "Bad request",
        401: "Not authenticated",
        402: "Plan does not allow this",
        403: "Role does not allow this, or CSRF check failed",
        404: "Not found (or another organization's)",
        409: "Conflict with the current state",
        410: "Gone: it existed but was removed",
        422: "Invalid input; `errors` names each field",
        429: "Rate limited",
    }
    return {s: problem_schema(names[s]) for s in statuses}
