"""The decisions of AdaptiveConcurrency, pinned window by window under a manual clock.

Every window here lasts exactly one second, so a window's throughput (rows per second)
is the number of rows its chunks carried, and the scripted numbers can sit exactly on
the 10 % (GAIN) and 5 % (SAME) boundaries.
"""

from __future__ import annotations

import re

import pytest

from odoo_async.bulk import AdaptiveConcurrency
from odoo_async.resilience import ManualClock


def finish_window(limit: AdaptiveConcurrency, clock: ManualClock, rows: int,
                  latency: float = 1.0) -> int:
    """Let one observation window finish at the current level: its max(4, 2 * limit)
    chunks all end one second later, carrying ``rows`` rows in all, each having taken
    ``latency`` seconds. Returns the limit afterwards."""
    chunks = max(4, 2 * limit.limit)
    clock.tick(1.0)
    for i in range(chunks):
        limit.observe(rows // chunks + (1 if i < rows % chunks else 0), latency)
    return limit.limit


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"minimum": 0}, "concurrency minimum must be an int >= 1, got 0"),
    ({"initial": 0}, "concurrency initial must be an int >= 1, got 0"),
    ({"maximum": 0}, "concurrency maximum must be an int >= 1, got 0"),
    ({"initial": True}, "concurrency initial must be an int >= 1, got True"),
    ({"maximum": 2.5}, "concurrency maximum must be an int >= 1, got 2.5"),
    ({"initial": 3, "maximum": 2},
     "concurrency bounds must satisfy minimum <= initial <= maximum"),
], ids=["minimum-0", "initial-0", "maximum-0", "initial-bool", "maximum-float",
        "initial-above-maximum"])
def test_bad_bounds_are_refused_with_a_message_naming_the_argument(
        kwargs: dict[str, object], message: str) -> None:
    """Each bound must be a real int >= 1 (not a bool, not a float), and the error says
    which one; then minimum <= initial <= maximum."""
    with pytest.raises(ValueError, match=rf"^{re.escape(message)}$"):
        AdaptiveConcurrency(clock=ManualClock(), **kwargs)  # type: ignore[arg-type]


def test_defaults_are_one_to_eight_starting_at_one() -> None:
    """Without arguments the limit starts at 1, ranges over 1..8, ceiling 8."""
    limit = AdaptiveConcurrency(clock=ManualClock())
    assert repr(limit) == "AdaptiveConcurrency(limit=1, 1..8, ceiling=8)"
    assert (limit.limit, limit.minimum, limit.maximum, limit.history) == (1, 1, 8, [1])


def test_a_window_closes_after_exactly_max_4_or_twice_the_limit_chunks() -> None:
    """Nothing is decided before the window's last chunk: 4 chunks at levels 1 and 2,
    then twice the limit (6 at level 3, 8 at level 4)."""
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=8, clock=clock)
    for level, chunks, rows in ((1, 4, 100), (2, 4, 200), (3, 6, 200), (4, 8, 200)):
        clock.tick(1.0)
        for _ in range(chunks - 1):
            limit.observe(rows, 1.0)
            assert limit.limit == level
        limit.observe(rows, 1.0)  # the last chunk of the window: throughput paid, climb
        assert limit.limit == level + 1
    assert limit.history == [1, 2, 3, 4, 5]


def test_a_window_the_clock_cannot_measure_keeps_counting() -> None:
    """A window whose chunks finished in no measurable time is not judged; its chunks
    stay in the window until the clock has moved, even by half a second."""
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=8, clock=clock)
    for _ in range(4):
        limit.observe(100, 0.1)
    assert limit.limit == 1  # a full window, but zero seconds elapsed
    clock.tick(0.5)
    limit.observe(100, 0.1)
    assert limit.limit == 2  # 500 rows in 0.5 s: level 1 measured 1000 rows/s
    assert finish_window(limit, clock, 1050, latency=0.1) == 2  # under 1.1 x 1000: stay


def test_climbing_and_stepping_back_exactly_at_the_ten_percent_gain() -> None:
    """A level exactly 1.1 times better counts as better: climb on it, step down to it,
    and go back up to it (1100 * 1.1 == 1210 and 1000 * 1.1 == 1100 in floats)."""
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=8, clock=clock)
    trace = [finish_window(limit, clock, 1100),  # level 1: explore upwards
             finish_window(limit, clock, 1210),  # level 2: exactly 1.1 x level 1
             finish_window(limit, clock, 1100),  # level 3: level 2 is exactly 1.1 x
             finish_window(limit, clock, 790)]   # level 2 now (1210 + 790) / 2 = 1000,
    assert trace == [2, 3, 2, 3]                 # level 3 (1100) exactly 1.1 x that
    assert limit.history == [1, 2, 3, 2, 3]
    assert repr(limit) == "AdaptiveConcurrency(limit=3, 1..8, ceiling=8)"


def test_a_level_keeps_the_average_of_its_windows() -> None:
    """Coming back to a level averages its new window with what it measured before,
    and the decision uses that average."""
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=8, clock=clock)
    trace = [finish_window(limit, clock, 100),  # level 1 -> explore 2
             finish_window(limit, clock, 200),  # level 2 pays -> explore 3
             finish_window(limit, clock, 150),  # level 3 worse than 2 -> back to 2
             finish_window(limit, clock, 120),  # level 2: (200 + 120) / 2 = 160, and
                                                # 150 is not 1.1 x 160 -> stay
             finish_window(limit, clock, 40)]   # level 2: (160 + 40) / 2 = 100 -> 3 is
    assert trace == [2, 3, 2, 2, 3]             # 1.5 x better -> back up
    assert limit.history == [1, 2, 3, 2, 3]


def test_the_same_throughput_for_half_again_the_latency_steps_down() -> None:
    """A level whose lower neighbour is within 5 % of its throughput stays while its
    latency is under 1.5 x the best measured one, and steps down one level once its
    (averaged) latency reaches exactly 1.5 x (200 * 0.95 == 190 in floats)."""
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=8, clock=clock)
    trace = [finish_window(limit, clock, 100, latency=2.0),  # level 1 -> explore 2
             finish_window(limit, clock, 190, latency=2.0),  # level 2 pays -> 3
             finish_window(limit, clock, 200, latency=2.0),  # level 3: no gain, same
                                                             # latency -> stay
             finish_window(limit, clock, 200, latency=4.0)]  # level 3 latency now
    assert trace == [2, 3, 3, 2]                             # (2 + 4) / 2 = 1.5 x 2
    assert limit.history == [1, 2, 3, 2]


def test_after_an_overload_the_ceiling_rises_after_eight_calm_windows() -> None:
    """An overload lowers the ceiling below the halved level's parent and forgets the
    overloaded level's throughput; the ceiling comes back one level after exactly eight
    calm windows, the level is then explored afresh, and the ceiling never passes the
    maximum."""
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=2, initial=2, clock=clock)
    assert finish_window(limit, clock, 100) == 2
    limit.observe(100, 1.0, overloaded=True)
    assert repr(limit) == "AdaptiveConcurrency(limit=1, 1..2, ceiling=1)"
    trace = [finish_window(limit, clock, 100) for _ in range(8)]
    assert trace == [1, 1, 1, 1, 1, 1, 1, 2]  # level 2's old 100 rows/s was forgotten
    assert repr(limit) == "AdaptiveConcurrency(limit=2, 1..2, ceiling=2)"
    trace = [finish_window(limit, clock, 100) for _ in range(9)]
    assert trace == [2] * 9
    assert repr(limit) == "AdaptiveConcurrency(limit=2, 1..2, ceiling=2)"
    assert limit.history == [2, 1, 2]


def test_one_overload_episode_is_believed_once_per_window_of_chunks() -> None:
    """After halving, overload reports are ignored (but counted as chunks) until
    max(4, 2 * new limit) chunks have finished; the next report halves again."""
    limit = AdaptiveConcurrency(maximum=8, initial=8, clock=ManualClock())
    limit.observe(100, 1.0, overloaded=True)
    assert limit.limit == 4
    for _ in range(7):
        limit.observe(100, 1.0)
    limit.observe(100, 1.0, overloaded=True)  # the 8th chunk since: still settling
    assert limit.limit == 4
    limit.observe(100, 1.0, overloaded=True)
    assert limit.limit == 2
    for _ in range(3):
        limit.observe(100, 1.0)
    limit.observe(100, 1.0, overloaded=True)  # the 4th chunk since: still settling
    assert limit.limit == 2
    limit.observe(100, 1.0, overloaded=True)
    assert limit.limit == 1
    assert limit.history == [8, 4, 2, 1]
    assert repr(limit) == "AdaptiveConcurrency(limit=1, 1..8, ceiling=1)"
