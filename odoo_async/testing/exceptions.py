"""Exceptions that methods run by the fake Odoo server raise, named as in ``odoo.exceptions``.

A method registered with ``FakeOdoo.register_method`` raises these to make the server
answer exactly as Odoo would (status 422, 403 or 404 with the matching error ``name``);
any other exception becomes a 500 named after its class (``builtins.ValueError``...).
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "AccessError",
    "FakeServerError",
    "MissingError",
    "UnprocessableEntity",
    "UserError",
    "ValidationError",
]


class FakeServerError(Exception):
    """Base: an error the server answers with ``status`` and the Odoo error ``name``."""

    status = 500
    name = "odoo.exceptions.UserError"
    include_status_in_arguments = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def arguments(self) -> list[object]:
        """The ``arguments`` of the error body."""
        if self.include_status_in_arguments:
            return [self.message, self.status]
        return [self.message]


class UserError(FakeServerError):
    """``odoo.exceptions.UserError``: 422."""

    status = 422
    name = "odoo.exceptions.UserError"


class ValidationError(UserError):
    """``odoo.exceptions.ValidationError``: 422."""

    name = "odoo.exceptions.ValidationError"


class AccessError(FakeServerError):
    """``odoo.exceptions.AccessError``: 403."""

    status = 403
    name = "odoo.exceptions.AccessError"


class MissingError(UserError):
    """``odoo.exceptions.MissingError``: 404."""

    status = 404
    name = "odoo.exceptions.MissingError"


class AccessDenied(FakeServerError):
    """``odoo.exceptions.AccessDenied`` (legacy RPC with a wrong key)."""

    status = 401
    name = "odoo.exceptions.AccessDenied"


class UnprocessableEntity(FakeServerError):
    """``werkzeug.exceptions.UnprocessableEntity``: 422, bad arguments."""

    status = 422
    name = "werkzeug.exceptions.UnprocessableEntity"
    include_status_in_arguments = True
