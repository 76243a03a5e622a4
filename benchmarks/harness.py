"""A tiny benchmark harness: time a candidate and a baseline alike, print the ratio.

Numbers from different runs or machines are not comparable; the ratio within one run is
what a benchmark reports.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

import attrs


@attrs.frozen
class Timing:
    """The best and median of several timed rounds, in seconds."""

    best: float
    median: float


async def time_async(fn: Callable[[], Awaitable[object]], *, rounds: int = 5) -> Timing:
    """Run ``fn`` once to warm up, then ``rounds`` times; return the timings."""
    await fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return Timing(min(samples), statistics.median(samples))


def time_sync(fn: Callable[[], object], *, rounds: int = 5) -> Timing:
    """As :func:`time_async`, for a plain function."""
    fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return Timing(min(samples), statistics.median(samples))


def report(title: str, candidate: tuple[str, Timing], baseline: tuple[str, Timing],
           *, extra: str = "") -> None:
    """Print one comparison: both medians and how many times faster the candidate is."""
    (c_name, c_time), (b_name, b_time) = candidate, baseline
    ratio = b_time.median / c_time.median if c_time.median else float("inf")
    print(f"{title}")
    print(f"  baseline  {b_name:<40} {b_time.median * 1000:9.2f} ms (median)")
    print(f"  candidate {c_name:<40} {c_time.median * 1000:9.2f} ms (median)")
    print(f"  ratio     {ratio:.2f}x {'faster' if ratio >= 1 else 'slower'}"
          + (f"  [{extra}]" if extra else ""))
