"""Prometheus metrics: poll results and reloads in, an HTTP /metrics endpoint out.

Counters are kept in this process; what the database knows (the outbox by state, feeds by
health) is read at scrape time, so that the figures survive a restart and agree with
`watcher alerts` and `watcher feeds`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from watcher.pipeline import Context, FeedResult

log = logging.getLogger(__name__)

registry = CollectorRegistry()
polls = Counter("watcher_polls", "Feed polls by result", ["feed", "status"], registry=registry)
items = Counter("watcher_new_items", "New items seen, by feed", ["feed"], registry=registry)
detections = Counter(
    "watcher_detections", "Strike reports detected, by feed", ["feed"], registry=registry
)
alerts = Counter("watcher_alerts_queued", "Alerts queued, by feed", ["feed"], registry=registry)
reloads = Counter("watcher_reloads", "Config reloads by result", ["result"], registry=registry)
last_reload_ok = Gauge(
    "watcher_config_last_reload_successful",
    "1 when the last reload took, 0 when the old config is kept",
    registry=registry,
)
last_reload_ok.set(1)


def record_poll(result: FeedResult) -> None:
    polls.labels(result.feed, result.status).inc()
    if result.new:
        items.labels(result.feed).inc(result.new)
    if result.detections:
        detections.labels(result.feed).inc(result.detections)
    if result.alerts:
        alerts.labels(result.feed).inc(result.alerts)


def record_reload(ok: bool) -> None:
    reloads.labels("ok" if ok else "failed").inc()
    last_reload_ok.set(1 if ok else 0)


class StoreCollector(Collector):
    """The outbox by state and the feeds by health, read from the database at each scrape."""

    def __init__(self, context: Callable[[], Context]) -> None:
        self.context = context

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from watcher.pipeline import feed_health

        ctx = self.context()
        store = ctx.store
        outbox = GaugeMetricFamily(
            "watcher_outbox_rows", "Deliveries by state (dead ones need a person)", labels=["state"]
        )
        counts = store.outbox_counts()
        for state in ("pending", "sending", "sent", "ambiguous", "dead"):
            outbox.add_metric([state], counts.get(state, 0))
        yield outbox
        health = GaugeMetricFamily(
            "watcher_feeds",
            "Configured feeds by health, as `watcher feeds` shows it",
            labels=["health"],
        )
        configured = {feed.url for feed in ctx.config.feeds}
        by_health = dict.fromkeys(("new", "ok", "flaky", "failing", "silent", "retired"), 0)
        stored = {feed.url: feed for feed in store.all_feeds()}
        for url in configured:
            known = stored.get(url)
            key = "new" if known is None else feed_health(known, ctx.config.settings)
            by_health[key] += 1
        for key, count in by_health.items():
            health.add_metric([key], count)
        yield health
        yield from _targets(ctx)


def _targets(ctx: Context) -> Iterator[GaugeMetricFamily]:
    """Each target's health as `watcher alerts` shows it and the operator alerts judge it."""
    from watcher.delivery import target_health

    failing = GaugeMetricFamily(
        "watcher_target_failing",
        "1 while a target is failing: dead deliveries, or a failed alert waiting longer than "
        "target_failing_after",
        labels=["target"],
    )
    dead = GaugeMetricFamily(
        "watcher_target_dead_deliveries", "Dead deliveries by target", labels=["target"]
    )
    waiting = GaugeMetricFamily(
        "watcher_target_failed_waiting",
        "Deliveries waiting after a failed attempt, by target",
        labels=["target"],
    )
    for health in target_health(ctx.store, ctx.config):
        failing.add_metric([health.target], 1 if health.health == "failing" else 0)
        dead.add_metric([health.target], health.failures.dead)
        waiting.add_metric([health.target], health.failures.waiting)
    yield failing
    yield dead
    yield waiting


def serve(address: str, context: Callable[[], Context]) -> None:
    """Serve /metrics on host:port in a background thread."""
    host, _, port = address.rpartition(":")
    registry.register(StoreCollector(context))
    start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry)
    log.info("metrics at http://%s/metrics", address)
