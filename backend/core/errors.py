"""The one application error type. Services raise it with a translated message; the API layer
(core.api.exception_handler) and the page views turn it into a clean 4xx."""

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on: wrong input, wrong state or missing permission."""

    status = 400
    default_code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, fields: dict[str, Any] | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}


class NotFound(ApplicationError):
    status = 404
    default_code = "not_found"


class NotAuthenticated(ApplicationError):
    status = 401
    default_code = "not_authenticated"


class PermissionDenied(ApplicationError):
    status = 403
    default_code = "permission_denied"


class Conflict(ApplicationError):
    """The request is valid but clashes with the current state (duplicate, wrong lifecycle step)."""

    status = 409
    default_code = "conflict"
