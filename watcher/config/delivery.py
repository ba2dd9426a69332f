"""The [delivery] table in, `Delivery` out: how long a send may take, how failed sends are
retried, how many run at once, when a target is reported as failing; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from watcher.config.reading import Reader, count, duration_between, number, parse_duration


@dataclass(frozen=True)
class Delivery:
    timeout: float = 10.0
    retry_initial: float = 30.0
    retry_max: float = 3600.0
    max_attempts: int = 20
    ambiguous_resends: int = 2
    # How long a destination that answered 429 (rate limited) waits at least: apprise does not
    # pass its Retry-After on (DESIGN.md), and 2 minutes covers the usual ones (D6).
    rate_limited_wait: float = 120.0
    workers: int = 4
    # A target whose oldest failed alert has waited this long, or that has dead deliveries,
    # is reported to the other targets as failing (issue #15).
    target_failing_after: float = 900.0


_DELIVERY_KEYS = (
    "timeout",
    "retry_initial",
    "retry_max",
    "max_attempts",
    "ambiguous_resends",
    "rate_limited_wait",
    "workers",
    "target_failing_after",
)


def read_delivery(reader: Reader, data: object) -> Delivery:
    if data is None:
        return Delivery()
    table = reader.table(data, "delivery", _DELIVERY_KEYS)
    base = Delivery()
    return Delivery(
        timeout=reader.get(
            table,
            "delivery",
            "timeout",
            number(1, 120),
            base.timeout,
            "write seconds between 1 and 120",
        ),
        retry_initial=reader.get(
            table,
            "delivery",
            "retry_initial",
            parse_duration,
            base.retry_initial,
            'write a duration, e.g. "30s"',
        ),
        retry_max=reader.get(
            table,
            "delivery",
            "retry_max",
            parse_duration,
            base.retry_max,
            'write a duration, e.g. "1h"',
        ),
        max_attempts=reader.get(
            table,
            "delivery",
            "max_attempts",
            count(1, 1000),
            base.max_attempts,
            "write from 1 to 1000, e.g. 20",
        ),
        ambiguous_resends=reader.get(
            table,
            "delivery",
            "ambiguous_resends",
            count(0, 10),
            base.ambiguous_resends,
            "write from 0 to 10, e.g. 2",
        ),
        rate_limited_wait=reader.get(
            table,
            "delivery",
            "rate_limited_wait",
            duration_between(0, 86400),
            base.rate_limited_wait,
            'write a duration from "0s" to "1d", e.g. "2m"',
        ),
        workers=reader.get(
            table, "delivery", "workers", count(1, 64), base.workers, "write from 1 to 64, e.g. 4"
        ),
        target_failing_after=reader.get(
            table,
            "delivery",
            "target_failing_after",
            duration_between(60, 7 * 86400),
            base.target_failing_after,
            'write a duration from "1m" to "7d", e.g. "15m"',
        ),
    )


def check_delivery(reader: Reader, delivery: Delivery) -> None:
    """Limits that hold between two values of [delivery]."""
    if delivery.retry_max < delivery.retry_initial:
        reader.problem(
            "delivery.retry_max",
            f"is shorter than retry_initial ({delivery.retry_initial:g} s)",
            delivery.retry_max,
            "write a retry_max at least as long as retry_initial",
        )
