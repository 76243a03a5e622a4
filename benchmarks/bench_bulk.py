"""Bulk sync against its baselines, in one run: on the fake Odoo by default, on a real
server when ``ODOO_URL`` (and ``ODOO_API_KEY``, ``ODOO_DB``) are set.

* ``bulk.upsert`` of N new partners vs raw list ``create`` at the same chunk size
  (goal >= 0.9x: the server is the ceiling) and vs the usual sequential loop "search by
  ref, then create or write" (goal >= 20x);
* re-sync of the same N (goal >= 100x the loop, zero writes) and with 10 % changed
  (goal >= 20x the loop);
* ``bulk.stream`` of 50k and 200k partners on the fake, with the growth of peak RSS
  (goal < 150 MB and flat in N).

The loop is timed on a sample (its rate in rows/s is what is compared). ``BENCH_ROWS``
sets N (10,000 by default). The fake answers each call after ``BENCH_LATENCY`` seconds
(0.01 by default: the low end of what a small call costs on a real Odoo 19), so that
round trips weigh what they weigh against a real server; the fake itself runs in this
process and costs almost nothing per row.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from odoo_async import Client, F
from odoo_async.testing import FakeOdoo, Latency

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
CHUNK = 200
LOOP_SAMPLE = 200
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.01"))


def _key_file() -> str:
    return Path(os.environ["ODOO_KEY_FILE"]).read_text().strip()


@asynccontextmanager
async def target() -> AsyncIterator[tuple[str, Client]]:
    url = os.environ.get("ODOO_URL")
    if url:
        key = os.environ.get("ODOO_API_KEY") or _key_file()
        async with Client(url, key, os.environ.get("ODOO_DB")) as odoo:
            yield f"real Odoo at {url}", odoo
        return
    async with FakeOdoo(keep_alive=True, pool_size=None) as fake, \
            Client(fake.url, fake.api_key) as odoo:
        if LATENCY:
            fake.faults.always(Latency(LATENCY))
        yield f"the fake Odoo ({LATENCY * 1000:g} ms per call)", odoo


def rows(prefix: str, count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"ref": f"{prefix}{i}", "name": f"Bench {i}", "email": f"b{i}@example.com",
             "phone": f"+32 {i:07d}"} for i in range(start, start + count)]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def line(title: str, candidate: float, baseline: float, goal: float | None,
         extra: str = "") -> None:
    ratio = candidate / baseline if baseline else float("inf")
    verdict = ("" if goal is None else
               f" ({'meets' if ratio >= goal else 'MISSES'} the goal of {goal:g}x)")
    print(f"{title}\n  candidate {candidate:10.0f} rows/s\n  baseline  {baseline:10.0f} "
          f"rows/s\n  ratio     {ratio:.2f}x{verdict}{extra}")


async def loop_sync(odoo: Client, batch: list[dict[str, Any]]) -> float:
    """The usual hand-written sync: one search per row, then create or write."""
    started = time.perf_counter()
    for row in batch:
        found = await odoo.call("res.partner", "search", domain=[("ref", "=", row["ref"])],
                                context={"active_test": False})
        if found:
            await odoo.call("res.partner", "write", ids=found, vals=row)
        else:
            await odoo.call("res.partner", "create", vals_list=[row])
    return rate(len(batch), time.perf_counter() - started)


async def raw_create(odoo: Client, batch: list[dict[str, Any]], **context: Any) -> float:
    """List-valued ``create`` calls, one chunk after the other: the server's ceiling."""
    started = time.perf_counter()
    for start in range(0, len(batch), CHUNK):
        await odoo.call("res.partner", "create", vals_list=batch[start:start + CHUNK],
                        context=context or None)
    return rate(len(batch), time.perf_counter() - started)


async def cleanup(odoo: Client, prefix: str) -> None:
    ids = await odoo.call("res.partner", "search", domain=[("ref", "=like", f"{prefix}%")],
                          context={"active_test": False})
    for start in range(0, len(ids), 2000):
        await odoo.call("res.partner", "unlink", ids=ids[start:start + 2000])


async def sync_benchmarks() -> None:
    async with target() as (where, odoo):
        prefix = f"BENCH{uuid.uuid4().hex[:6]}-"
        print(f"bulk sync of {ROWS} partners, chunks of {CHUNK}, on {where}")
        try:
            raw = await raw_create(odoo, rows(prefix + "raw", ROWS), tracking_disable=True)
            new_loop = await loop_sync(odoo, rows(prefix + "loop", LOOP_SAMPLE))
            update_loop = await loop_sync(odoo, rows(prefix + "loop", LOOP_SAMPLE))

            data = rows(prefix, ROWS)
            first = await odoo.bulk.upsert("res.partner", data, key="ref")
            line("upsert of new rows vs raw list create (same chunks, same tracking_disable)",
                 first.rows_per_second, raw, 0.9,
                 f"\n  concurrency went through {first.concurrency}")
            line("upsert of new rows vs the search-then-create loop", first.rows_per_second,
                 new_loop, 20)

            again = await odoo.bulk.upsert("res.partner", data, key="ref")
            assert again.unchanged == ROWS, again
            line("re-sync, nothing changed, vs the loop", again.rows_per_second, update_loop,
                 100, f"\n  {again.calls} calls, none of them a write")

            for row in data[::10]:
                row["phone"] = "+32 9999999"
            changed = await odoo.bulk.upsert("res.partner", data, key="ref")
            assert changed.updated == len(data[::10]), changed
            line("re-sync, 10 % changed, vs the loop", changed.rows_per_second, update_loop,
                 20, f"\n  {changed.calls} calls")

            loaded = await odoo.bulk.upsert("res.partner", rows(prefix + "load", ROWS),
                                            key="ref", mode="load")
            line("upsert of new rows with mode='load' vs mode='create' (which is faster here)",
                 loaded.rows_per_second, first.rows_per_second, None)
        finally:
            await cleanup(odoo, prefix)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


async def stream_benchmark() -> None:
    print("bulk.stream of the fake's partners, pages of 1000 (name, email, country code)")
    async with FakeOdoo(keep_alive=True, pool_size=None) as fake, \
            Client(fake.url, fake.api_key) as odoo:
        env = fake.env()
        made = 0
        for total in (50_000, 200_000):
            env.create("res.partner", [{"name": f"S{i}", "email": f"s{i}@x", "ref": f"S{i}",
                                        "country_id": 21} for i in range(made, total)])
            made = total
            before = peak_rss_mb()
            tracemalloc.start()
            started = time.perf_counter()
            seen = 0
            async for page in odoo.bulk.stream("res.partner", F.ref.like("S"),
                                               fields=["name", "email", "country_id.code"],
                                               page_size=1000):
                seen += len(page)
            seconds = time.perf_counter() - started
            _, heap_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            grown = peak_rss_mb() - before
            peak = heap_peak / 2**20
            print(f"  {seen:7d} records in {seconds:5.1f} s ({rate(seen, seconds):6.0f} rows/s),"
                  f" peak memory allocated while streaming {peak:5.1f} MB (client and fake "
                  f"server together; {'meets' if peak < 150 else 'MISSES'} the goal of "
                  f"< 150 MB), peak RSS grew {grown:4.1f} MB")


async def main() -> None:
    await sync_benchmarks()
    if not os.environ.get("ODOO_URL"):
        await stream_benchmark()


if __name__ == "__main__":
    asyncio.run(main())
