"""A transport onto the fake Odoo, in process, that answers in lockstep rounds: every
call sent while a round is open waits, then all are answered at once. The number of
rounds a fetch needs is its latency in round trips, measured without any clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from odoo_async.errors import error_from_odoo
from odoo_async.testing import FakeOdoo
from odoo_async.testing.fake.protocol import CallError, execute
from odoo_async.testing.fake.users import FakeUser
from odoo_async.testing.transport import MockCall, MockTransport

T = TypeVar("T")

DEEP = "sale_order_ids.order_line.product_id.categ_id"


class Lockstep:
    """A transport onto ``fake`` (in process, as ``user``) that answers in rounds."""

    def __init__(self, fake: FakeOdoo, user: FakeUser) -> None:
        self.fake, self.user = fake, user
        self.rounds: list[list[str]] = []
        self._waiting: list[tuple[MockCall, asyncio.Future[None]]] = []
        self.transport = MockTransport(self._answer)

    async def _answer(self, call: MockCall) -> Any:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((call, turn))
        await turn
        kwargs = dict(call.payload)
        ids, context = kwargs.pop("ids", None), kwargs.pop("context", None)
        try:
            return await execute(self.fake, self.user, call.model, call.method, kwargs,
                                 ids=ids, context=context)
        except CallError as error:
            raise error_from_odoo({"name": error.name, "message": error.message,
                                   "arguments": error.arguments, "context": {}},
                                  status=error.status, model=call.model,
                                  method=call.method) from None

    @staticmethod
    async def _let_ready_tasks_run() -> None:
        # In process, with no I/O: every call that can leave now reaches the transport
        # within a bounded number of event-loop turns.
        for _ in range(100):
            await asyncio.sleep(0)

    async def run(self, work: Awaitable[T]) -> T:
        """Run ``work``, answering its calls round by round; ``self.rounds`` lists them."""
        self.rounds = []
        task = asyncio.ensure_future(work)
        while True:
            await self._let_ready_tasks_run()
            if task.done():
                return task.result()
            assert self._waiting, "the fetch waits on something that is not a call"
            batch, self._waiting = self._waiting, []
            self.rounds.append(sorted(f"{c.model}.{c.method}" for c, _ in batch))
            for _, turn in batch:
                turn.set_result(None)
