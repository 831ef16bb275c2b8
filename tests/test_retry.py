"""The retry policy, on its own: a pure function of the attempt number, the error and now."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest

from reminder.delivery.retry import Decision, RetryPolicy
from reminder.errors import DeliveryError

NOW = datetime(2027, 1, 29, 1, 0, tzinfo=UTC)
POLICY = RetryPolicy(retries=3, backoff=timedelta(minutes=1))
TIMEOUT = DeliveryError("timed out", permanent=False)


def test_a_passing_error_is_retried_after_the_backoff_doubling_each_time() -> None:
    waits = [POLICY.after(n, TIMEOUT, NOW).next_attempt_at for n in (1, 2, 3)]
    assert waits == [NOW + timedelta(minutes=m) for m in (1, 2, 4)]


def test_after_the_last_retry_the_message_fails_for_good() -> None:
    assert POLICY.after(4, TIMEOUT, NOW) == Decision(status="failed")


def test_a_permanent_error_fails_at_the_first_attempt() -> None:
    invalid_key = DeliveryError("invalid webhook key", permanent=True, code="93000")
    assert POLICY.after(1, invalid_key, NOW) == Decision(status="failed")


def test_the_servers_own_wait_wins_over_the_backoff() -> None:
    rate_limited = DeliveryError("api freq out of limit", permanent=False, retry_after=60)
    assert POLICY.after(3, rate_limited, NOW) == Decision(
        status="retrying", next_attempt_at=NOW + timedelta(seconds=60)
    )


def test_no_retries_means_the_first_failure_is_final() -> None:
    once = RetryPolicy(retries=0, backoff=timedelta(minutes=1))
    assert once.after(1, TIMEOUT, NOW).status == "failed"


@pytest.mark.parametrize(
    ("retries", "backoff", "message"),
    [
        (-1, timedelta(minutes=1), "retries must be 0 or more, got -1"),
        (3, timedelta(0), "backoff must be positive, got 0:00:00"),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(
    retries: int, backoff: timedelta, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        RetryPolicy(retries=retries, backoff=backoff)


def test_a_policy_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        POLICY.retries = 9  # type: ignore[misc]
