"""``RetryPolicy``'s settings at their bounds.

Pinned here: ``max_attempts`` takes ints only; a deadline under a second is a deadline;
``never_ran_statuses`` takes int HTTP error statuses from 400 to 599, and refuses
anything else by name; idempotent method names are non-empty strings.
"""

from __future__ import annotations

from typing import Any

import pytest

from odoo_async.resilience import RetryPolicy


def test_max_attempts_takes_an_int_only() -> None:
    with pytest.raises(ValueError, match=r"^RetryPolicy\.max_attempts must be an int >= 1, "
                                         r"got 2\.5$"):
        RetryPolicy(max_attempts=2.5)  # type: ignore[arg-type]


def test_a_deadline_under_a_second_is_kept() -> None:
    assert RetryPolicy(deadline=0.5).deadline == 0.5
    assert RetryPolicy(max_retry_after=1).max_retry_after == 1


def test_never_ran_statuses_take_error_statuses_from_400_to_599() -> None:
    assert RetryPolicy(never_ran_statuses={400, 599}).never_ran_statuses == {400, 599}


@pytest.mark.parametrize("status", ["503", 503.0, True, 399, 600])
def test_anything_else_among_never_ran_statuses_is_refused(status: Any) -> None:
    with pytest.raises(ValueError, match=r"^never_ran_statuses must hold HTTP error "
                                         rf"statuses, got {status!r}$"):
        RetryPolicy(never_ran_statuses={status})


@pytest.mark.parametrize("name", ["", 5])
def test_an_idempotent_method_name_must_be_a_non_empty_string(name: Any) -> None:
    with pytest.raises(TypeError, match=rf"^method names must be non-empty strings, "
                                        rf"got {name!r}$"):
        RetryPolicy(idempotent_methods={name})
