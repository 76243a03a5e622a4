"""What a server says about its models: Odoo's API documentation (``/doc-bearer``, the
``api_doc`` module), revalidated by ETag, or ``fields_get`` where that is not available.

::

    doc = await client.introspect("res.partner")
    doc.methods["search_read"].parameters      # {"domain": {...}, "fields": {...}, ...}
    doc.methods["search_read"].readonly        # True: safe to repeat
    index = await client.introspect()          # every model: labels and method names
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import attrs

from odoo_async.client import Client
from odoo_async.errors import AccessError, NotFoundError, ProtocolError
from odoo_async.orm.methods import close_field
from odoo_async.transport.base import validate_model

__all__ = ["IndexDoc", "Introspector", "MethodDoc", "ModelDoc", "check_arguments"]

_UNKNOWN = ("methods and their signatures: the server has no API documentation for this "
            "key (the api_doc module is not installed, or the user lacks the Technical "
            "Documentation right)")


@attrs.frozen
class MethodDoc:
    """One public method: its signature, parameters and Odoo's ``api`` flags."""

    name: str
    signature: str
    parameters: Mapping[str, Mapping[str, Any]]
    api: frozenset[str]
    doc: str = ""

    @property
    def model_method(self) -> bool:
        """``@api.model``: called without ids."""
        return "model" in self.api

    @property
    def readonly(self) -> bool:
        """Changes nothing: safe to repeat after a timeout."""
        return "readonly" in self.api

    @property
    def accepts_any_keyword(self) -> bool:
        """Takes ``**kwargs``: any keyword goes through (Odoo answers an unknown one with
        a 500 TypeError from deeper down)."""
        return any(p.get("kind") == "VAR_KEYWORD" for p in self.parameters.values())


@attrs.frozen
class ModelDoc:
    """A model as the server describes it. ``methods`` is ``None`` when only
    ``fields_get`` was available; ``unknown`` then says what is missing."""

    model: str
    name: str
    fields: Mapping[str, Mapping[str, Any]]
    methods: Mapping[str, MethodDoc] | None
    doc: str = ""
    source: str = "api_doc"
    unknown: str = ""


@attrs.frozen
class IndexDoc:
    """Every model of the server: its label, its fields' labels, its method names."""

    modules: tuple[str, ...]
    models: Mapping[str, Mapping[str, Any]]


def _method(name: str, raw: Mapping[str, Any]) -> MethodDoc:
    parameters = raw.get("parameters")
    return MethodDoc(
        name=name, signature=str(raw.get("signature") or ""),
        parameters={str(k): dict(v) if isinstance(v, Mapping) else {}
                    for k, v in (parameters.items() if isinstance(parameters, Mapping)
                                 else ())},
        api=frozenset(str(a) for a in raw.get("api") or ()),
        doc=str(raw.get("doc") or ""))


class Introspector:
    """``client.introspect``: model documents, cached and revalidated by ETag (a 304
    reuses the cached one)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._cache: dict[str, tuple[str | None, Any]] = {}

    async def _document(self, name: str, *, revalidate: bool = True) -> Any | None:
        """The decoded document, or ``None`` when the server has none for this key."""
        document = getattr(self._client.transport, "document", None)
        if document is None:  # legacy protocols: no bearer documentation
            return None
        cached = self._cache.get(name)
        if cached is not None and not revalidate:
            return cached[1]  # None: the server had no document for this key
        try:
            status, etag, body = await document(name, cached[0] if cached else None)
        except (AccessError, NotFoundError):
            self._cache[name] = (None, None)  # remembered: checks do not ask again
            return None
        if status == 304 and cached is not None:
            return cached[1]
        self._cache[name] = (etag, body)
        return body

    async def __call__(self, model: str | None = None) -> Any:
        """See :meth:`model` and :meth:`index`; ``client.introspect(model)``.

        Raises:
            ValueError, TypeError: an invalid model name.
            odoo_async.errors.OdooError: a call failed.
        """
        return await (self.index() if model is None else self.model(model))

    async def model(self, model: str) -> ModelDoc:
        """The model's fields and, with the API documentation, its methods.

        Raises:
            ValueError, TypeError: an invalid model name.
            ProtocolError: the document is not the expected object.
            odoo_async.errors.OdooError: a call failed (``fields_get`` included).
        """
        validate_model(model)
        body = await self._document(f"{model}.json")
        if body is None:
            fields = await self._client.call(model, "fields_get")
            return ModelDoc(model=model, name=model, fields=fields, methods=None,
                            source="fields_get", unknown=_UNKNOWN)
        if not isinstance(body, Mapping) or not isinstance(body.get("methods"), Mapping):
            raise ProtocolError(f"/doc-bearer/{model}.json is not a model document")
        return ModelDoc(
            model=model, name=str(body.get("name") or model),
            fields=dict(body.get("fields") or {}),
            methods={str(name): _method(str(name), raw if isinstance(raw, Mapping) else {})
                     for name, raw in body["methods"].items()},
            doc=str(body.get("doc") or ""))

    async def check_call(self, model: str, method: str, params: Mapping[str, Any]
                         ) -> bool | None:
        """Check a call's keyword arguments against the method's documented signature
        (fetched once per model, not revalidated): whether the method is read-only, or
        ``None`` when the server documents nothing for this key (nothing is checked).

        Raises:
            ValueError: an unknown keyword (with the closest parameter), a missing
                required one, or a method the model does not have.
        """
        body = await self._document(f"{model}.json", revalidate=False)
        methods = body.get("methods") if isinstance(body, Mapping) else None
        if not isinstance(methods, Mapping):
            return None
        raw = methods.get(method)
        if not isinstance(raw, Mapping):
            return None  # undocumented (deprecated ones such as read_group): Odoo decides
        check_arguments(model, _method(method, raw), params)
        return "readonly" in (raw.get("api") or ())

    async def index(self) -> IndexDoc | None:
        """Every model of the server (``None`` without the API documentation).

        Raises:
            ProtocolError: the document is not the expected object.
            odoo_async.errors.OdooError: a call failed.
        """
        body = await self._document("index.json")
        if body is None:
            return None
        if not isinstance(body, Mapping) or not isinstance(body.get("models"), list):
            raise ProtocolError("/doc-bearer/index.json is not an index document")
        return IndexDoc(modules=tuple(str(m) for m in body.get("modules") or ()),
                        models={str(m.get("model")): m for m in body["models"]
                                if isinstance(m, Mapping)})


_RESERVED = frozenset({"ids", "context"})


def check_arguments(model: str, method: MethodDoc, params: Mapping[str, Any]) -> None:
    """Refuse keyword arguments ``method`` does not take and required ones left out.
    A method taking ``**kwargs`` (``search_read``, ``message_post``) lets unknown names
    through, except a typing slip of a declared parameter (``domian``: two letters
    swapped, one missing or extra): Odoo would pass it on and answer a 500 TypeError from
    deep inside.

    Raises:
        ValueError: an unknown or a missing argument (the message names it).
    """
    declared = {name: spec for name, spec in method.parameters.items()
                if spec.get("kind") not in ("VAR_KEYWORD", "VAR_POSITIONAL")}
    for name in params:
        if name in declared or name in _RESERVED:
            continue
        if not method.accepts_any_keyword:
            close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{model}.{method.name}() has no parameter {name!r}{hint} "
                             f"(signature: {method.signature})")
        slip = close_field(name, declared, typo_only=True)
        if slip is not None:  # a typo of a parameter, not a keyword meant for **kwargs
            raise ValueError(f"{model}.{method.name}() has no parameter {name!r}; did you "
                             f"mean {slip!r}? (signature: {method.signature})")
    missing = [name for name, spec in declared.items()
               if "default" not in spec and name not in params]
    if missing:
        raise ValueError(f"{model}.{method.name}() needs {', '.join(map(repr, missing))} "
                         f"(signature: {method.signature})")


Client.register_extension("introspect", Introspector)
