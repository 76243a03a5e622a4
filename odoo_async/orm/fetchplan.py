"""What a fetch sends, and the :class:`Spec` its answer is stored with.

On a warm client the spec is compiled before anything is sent. On a cold one (the field
metadata of a model on the paths not loaded yet) the request leaves at once with a
specification built from the paths alone, while the metadata loads: the first fetch
costs the metadata's round trips or the request's, whichever is longer, not their sum.
A wrong path is still reported as the local error (with close names), not as Odoo's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from odoo_async.errors import OdooError
from odoo_async.orm.spec import Spec, specification_of_paths

__all__ = ["FetchPlan"]


class FetchPlan:
    """The specification a fetch sends on ``model``, and the spec to store its answer.

    Build one with :meth:`ready` (the spec is known) or :meth:`pending` (it is being
    compiled while the request goes out).
    """

    def __init__(self, model: str, specification: Mapping[str, Any],
                 spec: Spec | asyncio.Future[tuple[Spec, bool]]) -> None:
        self.model = model
        self.specification = specification
        self._spec = spec
        self.key = f"{model}:{json.dumps(specification, sort_keys=True)}"
        """Identical for fetches that send the same request (they may share one call)."""

    @classmethod
    def ready(cls, spec: Spec) -> FetchPlan:
        """A plan whose spec is compiled."""
        return cls(spec.model, spec.to_specification(), spec)

    @classmethod
    def pending(cls, model: str, paths: Sequence[str],
                compiling: asyncio.Future[tuple[Spec, bool]]) -> FetchPlan:
        """A plan sent before ``compiling`` is done: the spec of ``paths``, and whether
        the answer to the specification built without metadata can be stored with it
        (not when a path ends on a field whose answer that specification changes: a
        reference or a properties field).

        Raises:
            ValueError: a malformed path (checked at once, without metadata).
        """
        specification = specification_of_paths(paths)
        compiling.add_done_callback(_retrieve)
        return cls(model, specification, compiling)

    async def spec(self) -> Spec:
        """The compiled spec (waiting for the metadata on a cold client).

        Raises:
            ValueError: a path or a domain names an unknown field.
            odoo_async.errors.OdooError: the metadata could not be loaded.
        """
        if isinstance(self._spec, Spec):
            return self._spec
        spec, _ = await asyncio.shield(self._spec)
        return spec

    async def answer_fits(self) -> bool:
        """Whether the answer to :attr:`specification` can be stored with :meth:`spec`
        (else the request is sent again with the compiled spec's specification).

        Raises:
            ValueError, odoo_async.errors.OdooError: as :meth:`spec`.
        """
        if isinstance(self._spec, Spec):
            return True
        _, fits = await asyncio.shield(self._spec)
        return fits

    async def check(self) -> None:
        """Raise the local error of a wrong path or domain, if there is one: called when
        Odoo refused the request, so that a typo is reported with close names. A failure
        to load the metadata is not raised here (the caller raises Odoo's answer).

        Raises:
            ValueError: a path or a domain names an unknown field.
        """
        try:
            await self.spec()
        except OdooError:
            return


def _retrieve(future: asyncio.Future[tuple[Spec, bool]]) -> None:
    """Mark a failure retrieved: the request's own failure may be what the caller sees."""
    if not future.cancelled():
        future.exception()
