"""One feed end to end: poll, new items, articles, detections, events, alerts into the outbox.

`run_feed` is what the daemon schedules per feed and what `watcher run --once` calls for every
feed (delivery.py drains the outbox). One feed that fails, fails alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from watcher import alerts as alerting
from watcher import events as eventing
from watcher import metrics, sandbox
from watcher.articles import Article, fetch_article
from watcher.config import Config, Feed, Settings
from watcher.detection import Detection, detect, with_stated_day
from watcher.detection.arabic import has_arabic
from watcher.errors import FetchError, ParseError
from watcher.feeds import PARSE_MODULES, FeedPoll, Item, poll_feed
from watcher.http import HttpClient
from watcher.silences import muted_targets
from watcher.store import Delivery, FeedState, Store, now, url_digest

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What a run needs. The daemon builds a new one on reload; the store and locks carry over."""

    config: Config
    store: Store
    client: HttpClient
    # Clustering reads open events and writes the decision: two feeds reporting the same strike
    # at the same moment must not both open a new event.
    events_lock: threading.Lock = field(default_factory=threading.Lock)
    # Set on SIGTERM: a poll stops between items, and leaves the rest for the next start.
    stopping: threading.Event = field(default_factory=threading.Event)
    host_slots: dict[str, threading.BoundedSemaphore] = field(default_factory=dict)
    host_slots_lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def host_slot(self, url: str) -> Iterator[None]:
        """At most `per_host` fetches at once to one host, however many feeds it serves."""
        host = (urlsplit(url).hostname or "").lower()
        with self.host_slots_lock:
            slot = self.host_slots.setdefault(
                host, threading.BoundedSemaphore(self.config.settings.per_host)
            )
        with slot:
            yield


def make_client(config: Config, workers: int | None = None) -> HttpClient:
    """`workers`: how many threads fetch with it, when not the config's `workers` (a daemon
    keeps the thread pool it started with)."""
    return HttpClient(
        allow_private=config.settings.allow_private_networks,
        deadline=config.settings.fetch_timeout,
        max_bytes=config.settings.max_bytes,
        # Redirects reach hosts that host_slot does not count: every fetching thread may be
        # busy at one host at once.
        idle_per_host=workers or config.settings.workers,
    )


@dataclass(frozen=True)
class FeedResult:
    feed: str
    # polled | not-modified | failed | retired | waiting | interrupted | elsewhere (another
    # instance holds the feed's lease)
    status: str
    new: int = 0
    baseline: int = 0
    detections: int = 0
    alerts: int = 0
    error: str | None = None
    # elsewhere: the moment to try the feed again (when the other instance's lease runs out, or
    # when a feed handed over is free to this instance)
    held_until: datetime | None = None


# The lease written at a poll runs out this long before one lease time (`feed_lease`); the
# instances that found the feed held try it again at that moment, so that their poll lands
# within one lease time of the last poll of an instance that died.
TAKEOVER_WITHIN = timedelta(seconds=10)


def feed_lease(feed: Feed, settings: Settings) -> timedelta:
    """One lease time: how long a feed may go unpolled when the instance that holds it dies
    (issue #13). A little over one interval with its jitter, so that the holder, renewing it
    at each poll, keeps it with time to spare."""
    return timedelta(seconds=feed.interval * (1 + settings.jitter) + 60)


def run_feed(ctx: Context, feed: Feed) -> FeedResult:
    """Poll one feed and take each new item through to the outbox. Never raises for bad input."""
    store = ctx.store
    state = store.feed_state(feed.url)
    with ctx.host_slot(state.current_url):
        # On a database several instances share, the one holding the feed's lease polls it.
        # The lease is taken with a slot for the fetch in hand: taken before a wait for one, by
        # an instance that died in the wait, it would keep the feed from the others for one
        # lease time after the wait rather than after the feed's last poll.
        lease = store.take_feed(
            state.id,
            feed_lease(feed, ctx.config.settings) - TAKEOVER_WITHIN,
            timedelta(seconds=feed.interval),
        )
        if not lease.taken:
            return FeedResult(feed.name, "elsewhere", held_until=lease.until)
        state = store.feed_state(feed.url)  # read afresh when the feed was taken over
        fetched = _fetch(ctx, state)
    result = _poll(ctx, feed, state, fetched)
    if lease.hand_over_at is not None:
        # This instance holds more than its share of the feeds: the next poll is another's.
        store.hand_over(state.id, lease.hand_over_at)
    return result


def _fetch(ctx: Context, state: FeedState) -> FeedPoll | FetchError | None:
    """The feed's conditional GET and parse, or why it failed; None for a feed retired or
    waiting out a backoff."""
    if state.retired or (state.not_before and now() < state.not_before):
        return None
    try:
        return poll_feed(ctx.client, state.current_url, state.etag, state.last_modified)
    except FetchError as error:
        return error
    except ParseError as error:
        return FetchError(state.current_url, str(error))


def _poll(
    ctx: Context, feed: Feed, state: FeedState, fetched: FeedPoll | FetchError | None
) -> FeedResult:
    """What a poll of a feed this instance holds brought: items, detections, alerts, the row."""
    store = ctx.store
    if fetched is None:
        if state.retired:
            return FeedResult(feed.name, "retired", error=state.retired)
        return FeedResult(feed.name, "waiting")
    if isinstance(fetched, FetchError):
        return _feed_failed(ctx, feed, state, fetched)
    poll = fetched
    if poll.permanent_url and poll.permanent_url != state.current_url:
        log.warning(
            "feed %s moved permanently to %s; update its url in the config",
            feed.name,
            poll.permanent_url,
        )
    current_url = poll.permanent_url or state.current_url
    if poll.status == 304:
        store.feed_polled(
            state.id,
            title=None,
            etag=poll.etag or state.etag,
            last_modified=poll.last_modified or state.last_modified,
            current_url=current_url,
            new_items=False,
        )
        _check_health(ctx, feed, state, new_items=False)
        log.info("feed %s: not modified", feed.name)
        return FeedResult(feed.name, "not-modified")

    taken = _take_items(ctx, feed, state, poll.items, poll.title)
    result = taken.result
    if result.status == "interrupted":
        # Not recorded as polled: the next start asks for the feed in full (no ETag) and
        # takes the items this poll did not reach.
        return result
    _check_health(ctx, feed, state, new_items=result.new > 0)
    store.feed_polled(
        state.id,
        title=poll.title,
        etag=poll.etag,
        last_modified=poll.last_modified,
        current_url=current_url,
        new_items=result.new > 0,
        listed=taken.listed,
        quiet=taken.quiet,
    )
    log.info(
        "feed %s: %d items, %d new, %d recorded silently, %d detections, %d alerts",
        feed.name,
        len(poll.items),
        result.new,
        result.baseline,
        result.detections,
        result.alerts,
    )
    return result


def _feed_failed(ctx: Context, feed: Feed, state: FeedState, error: FetchError) -> FeedResult:
    settings = ctx.config.settings
    if error.status == 410:
        ctx.store.retire_feed(state.id, f"gone (410) at {now():%Y-%m-%d}")
        _operator_alert(
            ctx,
            "health",
            f"{feed.name} is gone (HTTP 410) and was retired",
            feed.name,
            "The server says the feed will not come back. Remove it from the config, or "
            "replace its URL.",
        )
        log.error("feed %s is gone (HTTP 410) and is retired; remove it from the config", feed.name)
        return FeedResult(feed.name, "retired", error=str(error))
    # Exponential backoff from the feed's own interval, capped; a server's Retry-After wins
    # when it asks for longer (reliability.md F7).
    delay = min(settings.failure_backoff_max, feed.interval * 2 ** min(state.failures, 16))
    if error.retry_after:
        delay = max(delay, min(error.retry_after, settings.failure_backoff_max))
    failures = ctx.store.feed_failed(state.id, error.reason, now() + timedelta(seconds=delay))
    if failures >= settings.failures_before_error and state.health != "failing":
        _health_alert(
            ctx,
            feed,
            state,
            "failing",
            f"{feed.name} has failed {failures} times in a row",
            f"Last error: {error.reason}. watcher keeps retrying, less and less often; see "
            "`watcher feeds`.",
        )
    level = logging.ERROR if failures == settings.failures_before_error else logging.WARNING
    log.log(
        level,
        "feed %s failed (%d in a row, next try in %ds): %s",
        feed.name,
        failures,
        delay,
        error.reason,
    )
    return FeedResult(feed.name, "failed", error=error.reason)


def feed_health(state: FeedState, settings: Settings) -> str:
    """ok, flaky (failing now and then), failing, silent (nothing new for too long) or retired."""
    if state.retired:
        return "retired"
    if state.failures >= settings.failures_before_error:
        return "failing"
    if state.failures:
        return "flaky"
    last = state.last_new_item or state.last_success
    if last is not None and now() - last > timedelta(hours=settings.silent_after_hours):
        return "silent"
    return "ok"


def _check_health(ctx: Context, feed: Feed, state: FeedState, *, new_items: bool) -> None:
    """One source-health alert when a feed recovers or has brought nothing new for too long."""
    if state.health == "failing":
        _health_alert(
            ctx,
            feed,
            state,
            "ok",
            f"{feed.name} works again",
            f"It had failed {state.failures} times in a row.",
        )
        return
    if new_items:
        if state.health == "silent":
            _health_alert(
                ctx,
                feed,
                state,
                "ok",
                f"{feed.name} has new items again",
                "The feed was silent before.",
            )
        return
    last = state.last_new_item or state.last_success
    limit = timedelta(hours=ctx.config.settings.silent_after_hours)
    if state.health == "ok" and last is not None and now() - last > limit:
        _health_alert(
            ctx,
            feed,
            state,
            "silent",
            f"{feed.name} has brought nothing new since {last:%Y-%m-%d %H:%M} UTC",
            "It answers, but with no new items. Check that its URL is still the right one.",
        )


def _health_alert(
    ctx: Context, feed: Feed, state: FeedState, health: str, headline: str, detail: str
) -> None:
    log.warning("source health: %s", headline)
    # One transaction: a health alert is queued exactly when the health it reports is stored.
    _operator_alert(
        ctx,
        "health",
        headline,
        feed.name,
        detail,
        then=lambda db: ctx.store.set_health(db, state.id, health),
    )


def _operator_alert(
    ctx: Context,
    kind: str,
    headline: str,
    outlet: str,
    detail: str,
    then: Callable[[Connection], None] | None = None,
) -> None:
    """An alert about watcher itself (source health, the storm guard), to every target."""
    content = alerting.AlertContent(
        event_id=0,
        kind=kind,
        headline=headline,
        outlet=outlet,
        published=now(),
        link=None,
        rule_id=kind,
        score=0.0,
        evidence=(detail,),
        reports=0,
        outlets=(outlet,),
    )
    alert = alerting.render_alert(content)
    deliveries = destinations(ctx.config, list(ctx.config.targets))
    with ctx.store.transaction() as db:
        ctx.store.record_alert(
            db,
            event_id=None,
            kind=kind,
            alert=alert,
            deliveries=deliveries,
        )
        if then is not None:
            then(db)


@dataclass(frozen=True)
class _Taken:
    """What a poll's items came to: the result, the items to record without processing (with
    why), and the keys and aliases of the answer's other items, recorded before or during this
    poll, whose last sighting `Store.feed_polled` brings up to the poll's time (the quiet ones
    are recorded with it)."""

    result: FeedResult
    quiet: list[tuple[Item, str]]
    listed: list[str]


def _take_items(
    ctx: Context, feed: Feed, state: FeedState, items: Sequence[Item], title: str | None
) -> _Taken:
    """Each new item through `_take_item`, oldest first. The quiet ones are left for
    `Store.feed_polled` to record with the poll, in its one transaction: a first poll of 200
    feeds records thousands of items (bench/README.md)."""
    settings = ctx.config.settings
    store = ctx.store
    found = store.seen(state.id, [i.key for i in items], [i.alias for i in items])
    # A new feed's existing items are history, not news: record them without alerting, but for
    # the newest `backfill` of them (reliability.md D12). Positions count every listed item, so
    # that a first poll interrupted and done again treats the same items as news.
    first_poll = state.last_success is None
    too_old = now() - timedelta(days=settings.max_item_age_days)
    outlet = title or state.title or feed.name
    detections = sent = held = 0
    quiet: list[tuple[Item, str]] = []
    news: list[Item] = []
    already = set(found)
    for position, item in enumerate(items):
        if item.key in already or item.alias in already:
            continue
        already.update((item.key, item.alias))
        if first_poll and position >= settings.backfill:
            quiet.append((item, "baseline"))
        elif item.published is not None and item.published < too_old:
            quiet.append((item, "old"))
        else:
            news.append(item)
    status = "polled"
    # Oldest first, so that an event opens with the earliest report of it.
    for item in reversed(news):
        if ctx.stopping.is_set():
            status = "interrupted"
            break
        try:
            detected, alerted, storm = _take_item(ctx, feed, state, item, outlet)
        except OperationalError:
            raise  # the database, not the item: the whole poll is retried
        except Exception:
            # A poison item must not stall its feed forever: record it and go on.
            log.exception(
                "feed %s: item %s could not be processed; recorded and skipped",
                feed.name,
                item.link or item.key,
            )
            with store.transaction(durable=False) as db:
                _record_item(store, db, state, item, "error")
            continue
        detections += detected
        sent += alerted
        held += storm
    if held:
        _storm_summary(ctx, feed, outlet, held)
        sent += 1
    result = FeedResult(
        feed.name,
        status,
        new=len(quiet) + len(news),
        baseline=len(quiet),
        detections=detections,
        alerts=sent,
    )
    recorded_quietly = {item.key for item, _ in quiet}
    listed = [k for i in items if i.key not in recorded_quietly for k in (i.key, i.alias)]
    return _Taken(result, quiet, listed)


def _take_item(
    ctx: Context, feed: Feed, state: FeedState, item: Item, outlet: str
) -> tuple[int, int, int]:
    """One new item through article, detection and event: (detected, alerts queued, held)."""
    article = _article(ctx, feed, item)
    detection = detect(article.title, article.text, ctx.config.rules, item.published)
    if detection is not None and article.source == "page":
        detection = with_stated_day(
            detection, item.title, item.summary, ctx.config.rules, item.published
        )
    if detection is None:
        with ctx.store.transaction(durable=False) as db:
            _record_item(ctx.store, db, state, item, "seen")
        return 0, 0, 0
    alerted, held = _record_detection(ctx, feed, state, item, outlet, detection)
    return 1, alerted, held


def _record_item(store: Store, db: Connection, state: FeedState, item: Item, outcome: str) -> int:
    return store.record_item(
        db,
        state.id,
        key=item.key,
        alias=item.alias,
        link=item.link,
        title=item.title,
        published=item.published,
        outcome=outcome,
    )


def _article(ctx: Context, feed: Feed, item: Item) -> Article:
    if not feed.fetch_articles:
        return Article(item.link, item.title, item.summary, "feed", "article fetching is off")
    if not item.link:
        return fetch_article(ctx.client, item)  # the feed's text, with the reason logged
    with ctx.host_slot(item.link):
        return fetch_article(ctx.client, item)


def _record_detection(
    ctx: Context, feed: Feed, state: FeedState, item: Item, outlet: str, detection: Detection
) -> tuple[int, int]:
    """Join or open the event and queue the alert, all in one transaction with the item.

    Returns (alerts queued, alerts held back by the storm guard).
    """
    store = ctx.store
    seen_at = now()
    report = eventing.report_from(detection, item, outlet, seen_at, ctx.config.events)
    # Item keys are a feed's own (two feeds may both number their items "1234"); aliases, which
    # hold canonical links, stay global so that one article in two feeds is one report.
    report = replace(report, item_key=f"{state.id}/{report.item_key}")
    if feed.language is not None:  # the feed says what language it writes in (issue #12)
        report = replace(report, language=feed.language)
    silences = store.silences(active_at=seen_at)
    with ctx.events_lock, store.events_turn():
        decision = _cluster(ctx, report, seen_at)
        if detection.denial and decision.event_id is None:
            # A denial of a strike that no open event holds is not news: record it, open nothing.
            with store.transaction(durable=False) as db:
                _record_item(store, db, state, item, "denial")
            return 0, 0
        # An update goes only where a route takes one of the kinds of change it brings.
        kinds = decision.kinds if decision.action == "update" else None
        deliveries = route(ctx.config, feed, detection, kinds)
        muted = muted_targets(detection, {d.target for d in deliveries}, silences, seen_at)
        deliveries = [d for d in deliveries if d.target not in muted]
        outcome = decision.action
        if outcome in ("new", "update"):
            if outcome == "update" and not deliveries and not muted:
                outcome = "silent"
            elif store.alerts_since(state.id, seen_at - timedelta(hours=1)) >= (
                ctx.config.settings.storm_limit
            ):
                outcome = "held"
            elif muted and not deliveries:
                outcome = "silenced"
        with store.transaction() as db:
            event_id = _record_report(ctx, db, state, item, detection, decision, outcome)
            if outcome not in ("new", "update") or event_id is None:
                if outcome in ("held", "silenced"):
                    log.warning(
                        "feed %s: %s an alert for event %s: %s",
                        feed.name,
                        "storm guard held back" if outcome == "held" else "silenced",
                        event_id,
                        item.title,
                    )
                return 0, int(outcome == "held")
            content = alert_content(event_id, decision, detection, item, outlet)
            alert = alerting.render_alert(content)
            store.record_alert(
                db,
                event_id=event_id,
                kind=decision.action,
                alert=alert,
                deliveries=deliveries,
            )
    log.info(
        "alert (%s) for event %d: %s → %s",
        decision.action,
        event_id,
        alert.title,
        ", ".join(sorted({d.target for d in deliveries})) or "no target",
    )
    return 1, 0


def _cluster(ctx: Context, report: eventing.Report, seen_at: datetime) -> eventing.Decision:
    """The events stage's decision against the events still open; call it under events_lock."""
    window = timedelta(hours=ctx.config.events.window_hours)
    open_events = [
        replace(eventing.state_from_dict(e.state), id=e.id)
        for e in ctx.store.open_events(seen_at - window)
    ]
    return eventing.cluster(report, open_events, ctx.config.events)


def _record_report(
    ctx: Context,
    db: Connection,
    state: FeedState,
    item: Item,
    detection: Detection,
    decision: eventing.Decision,
    outcome: str,
) -> int | None:
    """The item, its event as it now stands, and the detection with its outcome: the events
    stage's action ("new", "update", "silent", "duplicate"), or "held" by the storm guard, or
    "silenced". Returns the event's id."""
    store = ctx.store
    item_id = _record_item(store, db, state, item, "detected")
    event_id = decision.event_id
    if decision.action != "duplicate":
        event_id = _save_event(store, db, decision)
    # A round-up's other strikes: each event counts one more outlet; no alert of its own.
    for other in decision.also:
        _save_event(store, db, other)
    store.record_detection(
        db,
        item_id=item_id,
        event_id=event_id,
        rule_id=detection.rule_id,
        score=detection.score,
        decision=outcome,
        fields=fields_dict(detection),
        evidence=detection.evidence,
    )
    return event_id


def _save_event(store: Store, db: Connection, decision: eventing.Decision) -> int:
    return store.save_event(
        db,
        decision.event_id,
        opened=decision.state.opened,
        last_report=decision.state.last_report,
        reports=decision.state.reports,
        summary=eventing.summary(decision.state),
        state=eventing.state_to_dict(decision.state),
    )


def _storm_summary(ctx: Context, feed: Feed, outlet: str, held: int) -> None:
    _operator_alert(
        ctx,
        "summary",
        f"{held} more strike reports from {outlet}",
        outlet,
        f"The feed {feed.name} sent more than {ctx.config.settings.storm_limit} alerts in an "
        f"hour; {held} more were recorded without alerting. See `watcher events`.",
    )
    log.warning("feed %s: storm guard held back %d alerts; one summary sent", feed.name, held)


def fields_dict(detection: Detection) -> dict[str, object]:
    f = detection.fields
    return {
        "strike_type": f.strike_type,
        "actor": f.actor,
        "target": f.target,
        "places": [p.name for p in f.places],
        "countries": list(f.countries),
        "killed": list(f.killed) if isinstance(f.killed, tuple) else f.killed,
        "wounded": list(f.wounded) if isinstance(f.wounded, tuple) else f.wounded,
        "event_date": f.event_date.isoformat() if f.event_date else None,
    }


def _count_text(value: int | tuple[int, int | None] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        low, high = value
        return f"at least {low}" if high is None else f"{low}–{high}"
    return str(value)


def alert_content(
    event_id: int, decision: eventing.Decision, detection: Detection, item: Item, outlet: str
) -> alerting.AlertContent:
    f = detection.fields
    # A place the report wrote in Arabic is shown in both scripts: "Albu Kamal / البوكمال".
    written = {
        m.ref: " ".join(m.text.split())
        for m in detection.mentions
        if m.kind == "place" and has_arabic(m.text)
    }
    places = tuple(
        p.name
        + (f" / {written[p.id]}" if p.id in written and written[p.id] != p.name else "")
        + (
            f" ({', '.join(x for x in (p.governorate, p.country) if x)})"
            if p.governorate or p.country
            else ""
        )
        for p in f.places
    )
    state = decision.state
    return alerting.AlertContent(
        event_id=event_id,
        kind=decision.action,
        headline=item.title,
        outlet=outlet,
        published=item.published,
        link=item.link,
        rule_id=detection.rule_id,
        score=detection.score,
        strike_type=f.strike_type,
        actor=f.actor,
        target=f.target,
        places=places,
        killed=_count_text(f.killed),
        wounded=_count_text(f.wounded),
        event_date=f.event_date.isoformat() if f.event_date else f.event_date_text,
        evidence=tuple(dict.fromkeys(detection.evidence)),
        reports=state.reports,
        outlets=tuple(sorted(state.outlets)),
        changes=decision.changes,
        why=explanation(detection),
        languages=state.languages,
    )


def explanation(detection: Detection, limit: int = 8) -> str:
    """One line of why the detector fired: its matches with their positions, and what lowered
    the score. Positions count characters in the headline, a blank line, then the text."""
    seen: set[tuple[str, str]] = set()
    matched = []
    for mention in detection.mentions:
        if (mention.kind, mention.text.casefold()) in seen or mention.kind == "guard":
            continue
        seen.add((mention.kind, mention.text.casefold()))
        matched.append(f"“{mention.text}” ({mention.kind}, at {mention.start})")
        if len(matched) == limit:
            break
    why = "matched " + ", ".join(matched) if matched else ""
    if detection.lowered_by:
        why += ("; " if why else "") + "lowered by " + "; ".join(detection.lowered_by[:3])
    return why


def route(
    config: Config, feed: Feed, detection: Detection, kinds: frozenset[str] | None = None
) -> list[Delivery]:
    """Every destination this detection goes to; `kinds`, for an update, are the kinds of
    change it brings, and a route takes it only when its `update_on` names one of them.

    With no routes, every alert goes to every target; otherwise routes match in order and one
    with `stop = true` ends the search (as in Alertmanager).
    """
    names: list[str] = []
    if not config.routes and (kinds is None or kinds & set(config.events.update_on)):
        names = list(config.targets)
    fields = detection.fields
    governorates = {p.governorate for p in fields.places if p.governorate}
    for r in config.routes:
        if r.rules and detection.rule_id not in r.rules:
            continue
        if r.countries and not set(r.countries) & set(fields.countries):
            continue
        if r.governorates and not set(r.governorates) & governorates:
            continue
        if r.tags and not set(r.tags) & set(feed.tags):
            continue
        if detection.score < r.min_score:
            continue
        # A route that matches but takes none of an update's kinds still ends the search when
        # it says so, so that an update never goes further down the routes than a new alert.
        if kinds is None or kinds & set(r.update_on):
            names += [n for n in r.targets if n not in names]
        if r.stop:
            break
    return destinations(config, names)


def destinations(config: Config, names: Sequence[str]) -> list[Delivery]:
    """One Delivery per URL of each named target."""
    return [
        Delivery(name, index, url_digest(url), config.targets[name].format)
        for name in names
        for index, url in enumerate(config.targets[name].urls)
    ]


def run_once(ctx: Context) -> list[FeedResult]:
    """Every configured feed once, concurrently."""
    feeds = ctx.config.feeds
    if not feeds:
        return []
    sandbox.warm(PARSE_MODULES)
    ctx.store.load_feeds([feed.url for feed in feeds])
    with ThreadPoolExecutor(
        max_workers=min(ctx.config.settings.workers, len(feeds)), thread_name_prefix="feed"
    ) as pool:
        return list(pool.map(lambda feed: guarded_run_feed(ctx, feed), feeds))


def guarded_run_feed(ctx: Context, feed: Feed) -> FeedResult:
    """The one failure boundary per feed: a bug or a locked database costs one poll of one feed."""
    try:
        result = run_feed(ctx, feed)
        metrics.record_poll(result)
        return result
    except OperationalError as error:
        log.warning("feed %s: database error, retrying next poll: %s", feed.name, error.orig)
        return FeedResult(feed.name, "failed", error=str(error.orig))
    except Exception:
        log.exception("feed %s: unexpected error; the feed is retried at its next poll", feed.name)
        return FeedResult(feed.name, "failed", error="unexpected error (see the log)")


def send_test(config: Config) -> list[tuple[str, str, str]]:
    """A sample alert to every target URL, sent at once (not through the outbox):
    (target, masked URL, outcome)."""
    content = alerting.AlertContent(
        event_id=0,
        kind="test",
        headline="Test alert from watcher: configuration works",
        outlet="watcher",
        published=now(),
        link=None,
        rule_id="send-test",
        score=1.0,
        strike_type="air_drone",
        actor="(sample)",
        target="(sample)",
        places=("Jurf al-Sakhar (Babil, IQ)",),
        killed="2",
        wounded=None,
        event_date=f"{now():%Y-%m-%d}",
        evidence=("This is a sample alert sent by `watcher send-test`; no strike happened.",),
        reports=1,
        outlets=("watcher",),
        changes=(),
    )
    alert = alerting.render_alert(content)
    results = []
    for name, target in config.targets.items():
        for url in target.urls:
            outcome = alerting.send(url, alert, target.format, timeout=config.delivery.timeout)
            results.append((name, alerting.masked(url), f"{outcome.status} {outcome.detail}"))
    return results
