"""Running one call as Odoo's RPC layers do: checks in Odoo's order, errors in its shapes.

Shared by the JSON-2 endpoint and the legacy JSON-RPC and XML-RPC ones; each turns the
:class:`CallError` raised here into its own wire format.
"""

from __future__ import annotations

import builtins
import traceback
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import FakeServerError, UnprocessableEntity
from odoo_async.testing.fake.methods import PRIVATE_METHODS, Call, MethodSpec
from odoo_async.testing.fake.orm import Env

if TYPE_CHECKING:
    from odoo_async.testing.fake.server import FakeOdoo
    from odoo_async.testing.fake.users import FakeUser

__all__ = ["INSTALLED_LANGUAGES", "CallError", "error_body", "execute", "resolve"]

INSTALLED_LANGUAGES: Final = frozenset({"en_US"})


class CallError(Exception):
    """An error answer: HTTP status and Odoo's error object."""

    def __init__(self, status: int, name: str, message: str, arguments: list[Any],
                 debug: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
        self.arguments = arguments
        self.debug = debug or (f"Traceback (most recent call last):\n  File \"<fake odoo>\", "
                               f"line 1, in <module>\n{name}: {message}\n")

    @classmethod
    def werkzeug(cls, status: int, name: str, message: str) -> CallError:
        """A werkzeug exception: ``arguments`` carry the status too."""
        return cls(status, f"werkzeug.exceptions.{name}", message, [message, status])

    @classmethod
    def from_exception(cls, exc: BaseException) -> CallError:
        """What Odoo answers for an exception raised by a method."""
        if isinstance(exc, CallError):
            return exc
        if isinstance(exc, FakeServerError):
            return cls(exc.status, exc.name, exc.message, exc.arguments)
        kind = type(exc)
        module = "builtins" if getattr(builtins, kind.__name__, None) is kind else kind.__module__
        message = str(exc)
        debug = "".join(traceback.format_exception(exc))
        return cls(500, f"{module}.{kind.__name__}", message, [message], debug)


def error_body(error: CallError) -> dict[str, Any]:
    """The JSON error object of JSON-2 (and ``data`` of JSON-RPC)."""
    return {"name": error.name, "message": error.message, "arguments": error.arguments,
            "context": {}, "debug": error.debug}


def resolve(fake: FakeOdoo, model: str, method: str) -> MethodSpec:
    """The method to run, after the checks Odoo makes on the names.

    Raises:
        CallError: unknown model or method (404), private method (403).
    """
    if model not in fake.schema:
        raise CallError.werkzeug(404, "NotFound", f"the model '{model}' does not exist")
    if method.startswith("_") or method in PRIVATE_METHODS:
        message = (f"Private methods (such as '{model}.{method}') cannot be called "
                   "remotely.")
        raise CallError(403, "odoo.exceptions.AccessError", message, [message])
    spec = fake.methods.get(model, method, has_active=fake.schema[model].has_active)
    if spec is None:
        raise CallError.werkzeug(404, "NotFound",
                                 f"The method '{model}.{method}' does not exist")
    return spec


def _ids(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (list, tuple, str)):
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                message = f'invalid input syntax for type integer: "{item}"'
                raise CallError(500, "psycopg2.errors.InvalidTextRepresentation", message,
                                [message])
        return list(value)
    message = f"invalid ids: {value!r}"
    raise CallError(500, "builtins.TypeError", message, [message])


def make_context(raw: Any) -> dict[str, Any]:
    """The call's context, validated as Odoo does.

    Raises:
        CallError: not an object (500 ValueError), a language not installed (422).
    """
    if raw is None:
        return {}
    try:
        context = dict(raw)
    except (TypeError, ValueError) as exc:
        raise CallError.from_exception(exc) from None
    lang = context.get("lang")
    if lang and lang not in INSTALLED_LANGUAGES:
        message = f"Invalid language code: {lang}"
        raise CallError(422, "odoo.exceptions.UserError", message, [message])
    return context


async def execute(fake: FakeOdoo, user: FakeUser, model: str, method: str,
                  kwargs: Mapping[str, Any], *, ids: Any = None, context: Any = None,
                  positional: list[Any] | None = None) -> Any:
    """Run ``model.method`` for ``user`` in one transaction and return its result.

    ``positional`` (legacy protocols) are bound by position after the ids.

    Raises:
        CallError: what Odoo would answer.
    """
    spec = resolve(fake, model, method)
    record_ids = _ids(ids) if ids is not None else []
    if record_ids and spec.model_method:
        raise CallError.werkzeug(422, "UnprocessableEntity",
                                 f"cannot call {model}.{method} with ids")
    try:
        bound = (spec.positional(positional, kwargs) if positional is not None
                 else spec.bind(kwargs))
    except (UnprocessableEntity, TypeError) as exc:
        raise CallError.from_exception(exc) from None
    env = Env(fake.db, fake.rules, user, make_context(context))
    try:
        if spec.operation is not None:
            env.check_access(model, spec.operation)
        async with fake.db.writer:
            with fake.db.transaction():
                result = spec.function(Call(env, model, record_ids), *bound.args,
                                       **bound.kwargs)
    except Exception as exc:  # Odoo answers with the exception's name and message
        raise CallError.from_exception(exc) from None
    fake.executed[f"{model}/{method}"] += 1
    await fake.notify_webhooks(model, method, record_ids, result)
    return result
