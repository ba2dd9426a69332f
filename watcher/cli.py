"""The `watcher` command: parses arguments, configures logging once, runs one command, and turns
watcher's errors into one clean message and an exit code (2 for a bad config or usage)."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TextIO

from watcher import __version__
from watcher.errors import ConfigError, StateError, WatcherError

if TYPE_CHECKING:
    from watcher.config import Config
    from watcher.detection import RuleSet
    from watcher.store import Store

log = logging.getLogger("watcher")

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def default_config_path() -> Path:
    if os.environ.get("WATCHER_CONFIG"):
        return Path(os.environ["WATCHER_CONFIG"])
    if os.environ.get("CONFIGURATION_DIRECTORY"):  # systemd's ConfigurationDirectory=
        return Path(os.environ["CONFIGURATION_DIRECTORY"].split(":")[0]) / "config.toml"
    return Path("/etc/watcher/config.toml")


class _JournalFormatter(logging.Formatter):
    """Under systemd, journald adds the time and reads the level from a <N> prefix."""

    PRIORITY: ClassVar[dict[int, int]] = {
        logging.DEBUG: 7,
        logging.INFO: 6,
        logging.WARNING: 4,
        logging.ERROR: 3,
        logging.CRITICAL: 2,
    }

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return "\n".join(
            f"<{self.PRIORITY.get(record.levelno, 6)}>{line}" for line in text.splitlines()
        )


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes, not to the one it was made with
    (tests swap it; a record from a worker thread must not hit a closed stream)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(verbose: int, quiet: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = _StderrHandler()
    handler.set_name("watcher")
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(_JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "watcher"] + [handler]
    root.setLevel(level)
    # Libraries speak at WARNING and above only, so one poll stays one line.
    for noisy in (
        "alembic",
        "apscheduler",
        "urllib3",
        "trafilatura",
        "htmldate",
        "charset_normalizer",
    ):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    # apprise logs notifier URLs, secrets included, at DEBUG: never below INFO.
    logging.getLogger("apprise").setLevel(logging.INFO if verbose > 1 else logging.WARNING)


# --- commands --------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from watcher.config import load_config, rule_ids

    config = load_config(args.config)
    print(
        f"{args.config}: ok — {len(config.feeds)} feeds, {len(config.targets)} targets, "
        f"{len(config.routes)} routes, {len(rule_ids(config.rules))} rules"
    )
    outcome = _check_examples(config.rules)
    if args.send_test:
        outcome = max(outcome, _send_test(config))
    return outcome


def _check_examples(rules: RuleSet) -> int:
    """Run the rules' examples like unit tests: each failure with the verdict that explains it;
    exit 1 when one fails."""
    from watcher.evaluation import run_examples
    from watcher.trial import render_verdict

    results = run_examples(rules)
    failed = [result for result in results if result.failures]
    print(f"examples: {len(results) - len(failed)} of {len(results)} pass")
    for result in failed:
        example = result.example
        print(f"\nFAIL {example.name} ({example.file})")
        print("".join(f"  {failure}\n" for failure in result.failures), end="")
        if example.why:
            print(f"  the example says: {example.why}")
        print(f"  title: {example.title}")
        if example.text:
            print(f"  text: {example.text}")
        print(textwrap.indent(render_verdict(result.verdict), "  "))
    return EXIT_FAILURE if failed else EXIT_OK


def _context(config_path: Path):  # type: ignore[no-untyped-def]
    from watcher.config import load_config
    from watcher.pipeline import Context, make_client
    from watcher.store import open_store

    config = load_config(config_path)
    store = open_store(config.settings.database)
    return Context(config=config, store=store, client=make_client(config))


def cmd_run(args: argparse.Namespace) -> int:
    from watcher.config import load_config
    from watcher.store import exclusive, open_store

    config = load_config(args.config)
    if not config.targets:
        log.warning("no [targets] configured: alerts are recorded but sent nowhere")
    with exclusive(config.settings.state_directory):
        # Named by host and state directory: a restart is the same instance, which recovers
        # its own interrupted sends (and only those, on a database several instances share).
        instance = f"{socket.gethostname()}:{config.settings.state_directory}"
        store = open_store(config.settings.database, instance=instance)
        if not args.once:
            from watcher.daemon import Daemon

            return Daemon(args.config, config, store).run()
        return _run_once(config, store)


def _run_once(config: Config, store: Store) -> int:
    from watcher.delivery import deliver_pending
    from watcher.pipeline import Context, make_client, run_once

    ctx = Context(config=config, store=store, client=make_client(config))
    recovered = store.recover_sending()
    if recovered:
        log.warning("%d deliveries were interrupted by a stop; they may be re-sent", recovered)
    with ctx.client:
        results = run_once(ctx)
    delivered = deliver_pending(ctx.store, ctx.config)
    failed = [r for r in results if r.status == "failed"]
    log.info(
        "run: %d feeds (%d failed), %d new items, %d alerts queued; sent %d, retrying %d, dead %d",
        len(results),
        len(failed),
        sum(r.new for r in results),
        sum(r.alerts for r in results),
        delivered.sent,
        delivered.retrying,
        delivered.dead,
    )
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    from watcher import migrations
    from watcher.config import load_config

    config = load_config(args.config)
    url = config.settings.database
    if args.action == "upgrade":
        from watcher.store import exclusive, open_store

        with exclusive(config.settings.state_directory):
            before = migrations.upgrade(url)
            open_store(url, upgrade=False).engine.dispose()  # checks what it now holds
        if before.up_to_date:
            print(f"{before.database}: already at revision {before.head}")
        else:
            print(f"{before.database}: upgraded from {_revision(before)} to {before.head}")
        return EXIT_OK
    state = migrations.status(url)
    if args.action == "current":
        print(
            f"{state.database}: revision {_revision(state)}; this watcher's newest is {state.head}"
        )
        return EXIT_OK
    if state.up_to_date:
        print(f"{state.database}: up to date at revision {state.head}")
        return EXIT_OK
    if state.newer:
        print(
            f"watcher: {state.database} is at revision {state.current}, newer than this watcher "
            f"knows ({state.head}): run the watcher that upgraded it",
            file=sys.stderr,
        )
    else:
        print(
            f"watcher: {state.database} is at revision {_revision(state)} and needs "
            f"{', '.join(state.pending) or 'a migration record'}: run `watcher db upgrade` "
            "(a SQLite file is copied beside itself first)",
            file=sys.stderr,
        )
    return EXIT_FAILURE


def _revision(state: object) -> str:
    from watcher.migrations import SchemaStatus

    assert isinstance(state, SchemaStatus)
    if state.current is None:
        return "(empty)"
    return f"{state.current} (made before migrations)" if state.legacy else state.current


def cmd_demo(args: argparse.Namespace) -> int:
    from watcher.demo import run_demo

    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # the demo's own output tells the story
    return run_demo(keep=args.keep)


def cmd_try(args: argparse.Namespace) -> int:
    from watcher.trial import run_try

    return run_try(
        args.source, config_path=args.config if args.config.exists() else None, as_json=args.json
    )


def cmd_eval(args: argparse.Namespace) -> int:
    from watcher.detection import default_rules
    from watcher.evaluation import run_eval

    if args.config.exists():
        from watcher.config import load_config

        rules = load_config(args.config).rules
    else:
        rules = default_rules()
    if args.against is not None:
        return _eval_against(args, rules)
    return run_eval(
        args.file, rules, as_json=args.json, predictions=args.predictions, out=sys.stdout
    )


def _eval_against(args: argparse.Namespace, rules: RuleSet) -> int:
    """`watcher eval FILE --against OTHER`: the config's rules before, the other file's after."""
    from watcher.config import load_rules_file
    from watcher.evaluation import run_compare

    before = f"the rules of {args.config}" if args.config.exists() else "the shipped rules"
    return run_compare(
        args.file,
        (rules, load_rules_file(args.against)),
        (before, f"the rules of {args.against}"),
        as_json=args.json,
        out=sys.stdout,
    )


def cmd_feeds(args: argparse.Namespace) -> int:
    from watcher.pipeline import feed_health

    ctx = _context(args.config)
    configured = {f.url: f for f in ctx.config.feeds}
    states = {s.url: s for s in ctx.store.all_feeds()}
    print(
        f"{'feed':30} {'health':9} {'polls':>5} {'fails':>5}  {'last success':16}  "
        f"{'last new item':16}  note"
    )
    for url, feed in configured.items():
        state = states.get(url)
        if state is None:
            print(f"{feed.name[:30]:30} {'new':9} {0:5} {0:5}  {'-':16}  {'-':16}  not polled yet")
            continue
        health = feed_health(state, ctx.config.settings)
        note = (
            state.retired
            or state.last_error
            or (f"now at {state.current_url}" if state.current_url != url else "")
        )
        print(
            f"{feed.name[:30]:30} {health:9} {state.polls:5} {state.failures:5}  "
            f"{when(state.last_success):16}  {when(state.last_new_item):16}  {note}"
        )
    return EXIT_OK


def cmd_alerts(args: argparse.Namespace) -> int:
    if args.target is not None and not args.retry_dead:
        print("watcher: --target goes with --retry-dead", file=sys.stderr)
        return EXIT_CONFIG
    ctx = _context(args.config)
    if args.retry_dead:
        return _retry_dead(ctx.config, ctx.store, args.target)
    counts = ctx.store.outbox_counts()
    print("outbox: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "empty"))
    _print_targets(ctx.config, ctx.store)
    for alert_id, target, attempts, why in ctx.store.dead_letters(args.limit):
        print(f"dead: alert #{alert_id} to {target} after {attempts} attempt(s) — {why}")
    for alert in ctx.store.recent_alerts(args.limit):
        print(
            f"#{alert.id} {when(alert.created)} [{alert.kind}] event {alert.event_id}: "
            f"{alert.title}"
        )
        for target, status, attempts, error in alert.deliveries:
            extra = f" — {error}" if error and status != "sent" else ""
            print(f"    {target}: {status} after {attempts} attempt(s){extra}")
    return EXIT_OK


def _print_targets(config: Config, store: Store) -> None:
    """Each target's health, as the operator alerts and the metrics judge it."""
    from watcher.delivery import target_health

    for health in target_health(store, config):
        print(f"target {health.describe()}")


def _retry_dead(config: Config, store: Store, target: str | None) -> int:
    """Dead deliveries to one target, or to every configured one, put back to be sent."""
    if target is not None and target not in config.targets:
        print(
            f"watcher: no target named {target!r}; the config has: "
            f"{', '.join(config.targets) or 'none'}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    from watcher.store import url_digest

    wanted = [target] if target is not None else list(config.targets)
    put_back = store.retry_dead(
        {name: [url_digest(url) for url in config.targets[name].urls] for name in wanted}
    )
    total = sum(put_back.values())
    per_target = ", ".join(f"{name} {count}" for name, count in sorted(put_back.items()))
    print(
        f"{total} dead alert deliveries put back to be sent"
        + (f" ({per_target}); they go out marked late at the next delivery" if total else "")
    )
    # Rows to a target the config no longer has, or to a URL its list no longer has a place
    # for, would only die again: they stay as they are.
    dead = store.dead_counts()
    gone = {name: n for name, n in dead.items() if name not in config.targets}
    if target is None and gone:
        print(
            f"left dead: {sum(gone.values())} to targets no longer configured "
            f"({', '.join(sorted(gone))})"
        )
    unplaced = {name: n for name, n in dead.items() if name in wanted}
    if unplaced:
        print(
            f"left dead: {sum(unplaced.values())} to URLs gone from their target's list "
            f"({', '.join(f'{name} {n}' for name, n in sorted(unplaced.items()))})"
        )
    return EXIT_OK


def cmd_events(args: argparse.Namespace) -> int:
    import json

    from watcher.web import exports
    from watcher.web.queries import Filters, list_events

    ctx = _context(args.config)
    try:
        filters = Filters.from_args(
            {key: getattr(args, key) or "" for key in ("country", "governorate", "actor")}
            | {"since": args.since or "", "until": args.until or ""}
        )
    except ValueError as error:
        print(f"watcher events: {error}", file=sys.stderr)
        return EXIT_CONFIG
    found = list_events(ctx.store.engine, filters, limit=args.limit)
    if args.format == "json":
        sys.stdout.write(exports.to_json(found))
    elif args.format == "csv":
        sys.stdout.write(exports.to_csv(found))
    elif args.format == "geojson":
        sys.stdout.write(json.dumps(exports.to_geojson(found), ensure_ascii=False, indent=2) + "\n")
    else:
        for event in found:
            print(
                f"event {event.id}  opened {when(event.state.opened)}  "
                f"{event.state.reports} report(s)  {event.summary}"
            )
            for title, link, outlet, decision in ctx.store.event_reports(event.id):
                print(f"    [{decision}] {outlet}: {title}" + (f" <{link}>" if link else ""))
    return EXIT_OK


def cmd_silence(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from watcher.config import parse_duration, rule_ids
    from watcher.store import now

    ctx = _context(args.config)
    store = ctx.store
    if args.action == "add":
        if not (args.rule or args.place or args.actor or args.target):
            print(
                "watcher: a silence needs at least one of --rule, --place, --actor, --target",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        if args.rule and args.rule not in rule_ids(ctx.config.rules):
            print(
                f"watcher: no rule named {args.rule!r}; the config has: "
                f"{', '.join(sorted(rule_ids(ctx.config.rules)))}",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        if args.target and args.target not in ctx.config.targets:
            print(
                f"watcher: no target named {args.target!r}; the config has: "
                f"{', '.join(ctx.config.targets) or 'none'}",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        try:
            seconds = parse_duration(args.duration)
        except ValueError:
            print(
                f"watcher: --for {args.duration!r} is not a duration; write e.g. 90m, 12h, 2d",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        expires = now() + timedelta(seconds=seconds)
        silence_id = store.add_silence(
            rule=args.rule,
            place=args.place,
            actor=args.actor,
            target=args.target,
            comment=args.comment or "",
            expires=expires,
        )
        print(f"silence {silence_id} added, until {when(expires)} UTC")
        return EXIT_OK
    if args.action == "expire":
        if store.expire_silence(args.id):
            print(f"silence {args.id} expired")
            return EXIT_OK
        print(f"watcher: no active silence {args.id}", file=sys.stderr)
        return EXIT_FAILURE
    current = now()
    for silence in store.silences(active_at=None if args.all else current):
        state = "active" if silence.expires > current else "expired"
        print(
            f"{silence.id:4}  {state:7}  until {when(silence.expires)}  {silence.describe()}"
            + (f"  — {silence.comment}" if silence.comment else "")
        )
    return EXIT_OK


def cmd_send_test(args: argparse.Namespace) -> int:
    from watcher.config import load_config

    return _send_test(load_config(args.config))


def _send_test(config: Config) -> int:
    """The sample alert to every target URL, one line each saying whether it answered."""
    from watcher.pipeline import send_test

    if not config.targets:
        print("no [targets] configured: nothing to send to", file=sys.stderr)
        return EXIT_CONFIG
    failed = 0
    for name, url, outcome in send_test(config):
        print(f"{name}: {url}: {outcome}")
        failed += not outcome.startswith("sent")
    if failed:
        print(f"watcher: {failed} target URL(s) did not take the test alert", file=sys.stderr)
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_import_opml(args: argparse.Namespace) -> int:
    from watcher.feeds import read_opml

    for url, title in read_opml(Path(args.file).read_bytes()):
        print("[[feeds]]")
        if title:
            print(f"name = {_toml_string(title)}")
        print(f"url = {_toml_string(url)}\n")
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    from watcher.articles import decode_html
    from watcher.feeds import discover_feeds
    from watcher.http import HttpClient

    allow: tuple[str, ...] = ()
    if args.config.exists():
        from watcher.config import load_config

        allow = load_config(args.config).settings.allow_private_networks
    with HttpClient(allow_private=allow) as client:
        response = client.get(args.url)
    page = decode_html(response.body, response.headers.get("content-type", ""))
    found = discover_feeds(page, response.url)
    if not found:
        print(f"watcher: {response.url} announces no RSS or Atom feed", file=sys.stderr)
        return EXIT_FAILURE
    for url in found:
        print(f"[[feeds]]\nurl = {_toml_string(url)}\n")
    return EXIT_OK


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watcher",
        description="Watch news feeds; alert once per reported military strike in Iraq or Syria.",
    )
    parser.add_argument("--version", action="version", version=f"watcher {__version__}")
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=default_config_path(),
        help="the TOML config file (default: $WATCHER_CONFIG, "
        "$CONFIGURATION_DIRECTORY/config.toml or /etc/watcher/config.toml)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log debugging detail (twice: also the libraries')",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    run = command("run", cmd_run, "run the daemon in the foreground (for systemd)")
    run.add_argument(
        "--once",
        action="store_true",
        help="poll every feed once, process what is new, deliver what is pending, exit",
    )
    demo = command(
        "demo",
        cmd_demo,
        "run the real pipeline over built-in feeds served on 127.0.0.1; print the alerts",
    )
    demo.add_argument("--keep", action="store_true", help="keep the demo's state directory")
    check = command(
        "check",
        cmd_check,
        "validate the config file, each target's URLs through apprise included; exit 2 and "
        "list every problem if bad",
    )
    check.add_argument(
        "--send-test",
        action="store_true",
        help="also send the sample alert to every target and say which ones took it (exit 1 "
        "if one did not)",
    )
    trial = command(
        "try", cmd_try, "extract and detect on one URL or file, and explain why it fires or not"
    )
    trial.add_argument("source", help="an http(s) URL, an HTML file, or a text file")
    trial.add_argument("--json", action="store_true", help="print the verdict as JSON")
    evaluate = command(
        "eval",
        cmd_eval,
        "score the rules on a labelled JSONL file: precision, "
        "recall, F1, and every error explained",
    )
    evaluate.add_argument(
        "file", type=Path, help="records with title, text, label (optional uncertain, kind, event)"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    either = evaluate.add_mutually_exclusive_group()
    either.add_argument(
        "--predictions",
        type=Path,
        help="write one JSON line per record with the detected strike fields",
    )
    either.add_argument(
        "--against",
        type=Path,
        metavar="OTHER_RULES.toml",
        help="compare the config's rules with a rules file (or another config's): the records "
        "whose verdict or fields differ, explained, and both sets' scores",
    )
    database = command(
        "db", cmd_db, "show, check or upgrade the database's schema (Alembic revisions)"
    )
    database.add_argument(
        "action",
        choices=("current", "check", "upgrade"),
        help="current: print its revision; check: exit 1 unless it is at this watcher's newest; "
        "upgrade: migrate it now, after copying a SQLite file beside itself",
    )
    command("feeds", cmd_feeds, "list the feeds with their health")
    alerts = command("alerts", cmd_alerts, "list recent alerts, where they went, what waits")
    alerts.add_argument("-n", "--limit", type=int, default=20, help="how many (default 20)")
    alerts.add_argument(
        "--retry-dead",
        action="store_true",
        help="put the dead deliveries back to be sent, each once, after the cause is fixed; "
        "they go out marked late, with the reason they had died",
    )
    alerts.add_argument(
        "--target", metavar="NAME", help="with --retry-dead: only this target's dead deliveries"
    )
    events = command("events", cmd_events, "list recent events with their reports")
    events.add_argument("-n", "--limit", type=int, default=20, help="how many (default 20)")
    events.add_argument(
        "--format",
        choices=("text", "json", "csv", "geojson"),
        default="text",
        help="text with reports (default); json; csv with ACLED-like columns; geojson points",
    )
    events.add_argument("--country", help="only events in this country, e.g. IQ")
    events.add_argument("--governorate", help="only events in this governorate, e.g. Babil")
    events.add_argument("--actor", help="only events whose actor's name holds this")
    events.add_argument("--since", help="only events on or after this day, e.g. 2026-11-24")
    events.add_argument("--until", help="only events on or before this day")
    command("send-test", cmd_send_test, "send a sample alert to every target now")
    silence = command(
        "silence",
        cmd_silence,
        "mute alerts by rule, place, actor or target for a while; list or expire silences",
    )
    actions = silence.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a silence",
        description="Mute matching alerts "
        "until the silence expires. Muted reports are still recorded.",
    )
    add.add_argument("--rule", help="a detection rule id")
    add.add_argument("--place", help="a place, governorate or country code, e.g. Sinjar or IQ")
    add.add_argument("--actor", help="an actor, e.g. 'United States'")
    add.add_argument("--target", help="mute this target only (default: every target)")
    add.add_argument(
        "--for", dest="duration", default="24h", help="how long, e.g. 90m, 12h, 2d (default 24h)"
    )
    add.add_argument("--comment", help="why, for whoever reads `watcher silence list`")
    listing = actions.add_parser(
        "list", help="list active silences", description="List active silences."
    )
    listing.add_argument("--all", action="store_true", help="include expired ones")
    expire = actions.add_parser(
        "expire", help="end a silence now", description="End a silence now."
    )
    expire.add_argument("id", type=int, help="the silence's number, from `watcher silence list`")
    discover = command(
        "discover", cmd_discover, "print [[feeds]] tables for the feeds a site's page announces"
    )
    discover.add_argument("url", help="a site's page, e.g. https://www.example.com/world/")
    opml = command(
        "import-opml",
        cmd_import_opml,
        "print [[feeds]] tables for the feeds of an OPML file, to add to the config",
    )
    opml.add_argument("file", help="the OPML file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, args.quiet)
    try:
        return int(args.handler(args))
    except ConfigError as error:
        print(f"watcher: the config has {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except StateError as error:
        print(f"watcher: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except WatcherError as error:
        print(f"watcher: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
