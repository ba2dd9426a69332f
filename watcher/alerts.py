"""Alerts: AlertContent in, Alert (title, text, Markdown, HTML) out; send() posts one Alert to one
apprise URL, once, and classifies the outcome for the outbox.

Feed text is untrusted (reliability.md finding 5, B5 C1-C5): every field is cleaned (no control,
bidi or zero-width characters, whitespace collapsed, length capped) and escaped for each format,
and only absolute http(s) links are emitted. Rendering is pure; send() is the only I/O.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import apprise

log = logging.getLogger(__name__)

TITLE_MAX = 300
FORMATS = ("text", "markdown", "html")  # what a target may ask for in send(fmt=...)

# Per-field caps keep a whole message far below every destination's limit (Slack: 35,000).
_FIELD_MAX = 300
_SENTENCE_MAX = 400
_MAX_EVIDENCE = 3
_MAX_PLACES = 6
_LINK_MAX = 2000

_STRIKE_TYPES = {
    "air_drone": "air or drone strike",
    "missile_rocket": "missile or rocket strike",
    "shelling": "shelling",
    "unclear": "strike",
}


@dataclass(frozen=True)
class AlertContent:
    """What the pipeline knows about one alert, as plain data; text fields may come from feeds."""

    event_id: int
    kind: str  # "new" | "update" | "test" | "summary" | "health" (sources) | "target"
    headline: str
    outlet: str
    published: datetime | None
    link: str | None
    rule_id: str
    score: float
    strike_type: str | None = None
    actor: str | None = None
    target: str | None = None
    places: tuple[str, ...] = ()  # display strings, e.g. "Jurf al-Sakhar (Babil, Iraq)"
    killed: str | None = None
    wounded: str | None = None
    event_date: str | None = None
    evidence: tuple[str, ...] = ()
    reports: int = 1
    outlets: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()  # updates: what the report adds; summaries: one line per item
    why: str = ""  # the detector's explanation: matched terms and places, what lowered the score
    languages: tuple[str, ...] = ()  # of the event's reports: "ar", "en" (issue #12)


@dataclass(frozen=True)
class Alert:
    """One alert rendered in every format, ready for the outbox."""

    title: str
    text: str
    markdown: str
    html: str


@dataclass(frozen=True)
class Outcome:
    """The result of one send: "sent" | "retry" | "ambiguous" (may have arrived) | "dead".
    rate_limited: the destination answered 429, which holds it for a while (D6)."""

    status: str
    detail: str
    rate_limited: bool = False


# --- cleaning -----------------------------------------------------------------------------------


def clean_text(value: str | None, limit: int = _FIELD_MAX) -> str:
    """One line of display text: control, format (bidi, zero-width) and separator characters
    removed, whitespace collapsed, at most `limit` characters."""
    kept: list[str] = []
    pending_space = False
    for char in value or "":
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char.isspace():
            pending_space = bool(kept)
        elif category != "Cf":  # Cf holds U+202E RLO, U+200B ZWSP, U+2066 isolates, U+FEFF...
            if pending_space:
                kept.append(" ")
                pending_space = False
            kept.append(char)
            if len(kept) > limit:  # stop early: a 1 MB title costs no more than a short one
                return "".join(kept[: limit - 1]).rstrip() + "…"
    return "".join(kept)


_LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}
# Right-to-left text inside a left-to-right alert: each run of it is set in a first-strong
# isolate (U+2068 ... U+2069), so that Slack, mail clients and terminals lay out the Arabic
# headline, evidence and place names right to left without reordering the English around
# them. Feed text loses its own bidi controls first (clean_text, C5); these are ours, and HTML
# gets <bdi> elements in their place.
FSI, PDI = "\u2068", "\u2069"
_RTL_RUN = re.compile(
    r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]"
    r"(?:[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\s\d«»\"“”'.,:;()\-–]*"
    r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff])?"
)


def isolate(value: str) -> str:
    """The cleaned value with each run of right-to-left text set in an isolate."""
    if not _RTL_RUN.search(value):
        return value
    return _RTL_RUN.sub(lambda m: f"{FSI}{m.group()}{PDI}", value)


def safe_link(link: str | None) -> str | None:
    """The link as an absolute http(s) URL without credentials, percent-encoded, or None."""
    if not link:
        return None
    link = link.strip()
    if len(link) > _LINK_MAX or any(unicodedata.category(c) in ("Cc", "Cf") for c in link):
        return None
    try:
        parts = urlsplit(link)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return None  # relative, javascript:, data:, file:, or "https://official@evil" (C4)
    try:
        host = host.encode("idna").decode("ascii")  # show punycode, not a look-alike host
    except UnicodeError:
        return None
    netloc = f"{host}:{port}" if port else host
    # Encoding <, >, |, quotes and spaces keeps the URL from closing a Slack <url|label> or an
    # HTML attribute; "%" stays so that existing escapes are not doubled.
    path, query, fragment = (quote(p, safe="/:@!$&'()*+,;=%-._~?") for p in parts[2:5])
    return urlunsplit((parts.scheme.lower(), netloc, path, query, fragment))


# --- rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fields:
    """AlertContent cleaned: every string here is safe to show after escaping for its format."""

    kind: str
    event_id: int
    headline: str
    outlet: str
    published: str
    link: str | None
    rule_id: str
    score: str
    lines: tuple[tuple[str, str], ...]  # (label, value) rows about the strike
    evidence: tuple[str, ...]
    changes: tuple[str, ...]
    reports: str
    why: str


def _clean_fields(content: AlertContent) -> _Fields:
    places = tuple(p for p in (clean_text(p, 120) for p in content.places[:_MAX_PLACES]) if p)
    casualties = ", ".join(
        f"{value} {label}"
        for value, label in ((content.killed, "killed"), (content.wounded, "wounded"))
        if clean_text(value, 40)
    )
    rows = (
        ("Where", "; ".join(places)),
        ("What", _STRIKE_TYPES.get(content.strike_type or "", clean_text(content.strike_type))),
        ("By", clean_text(content.actor, 120)),
        ("Target", clean_text(content.target, 200)),
        ("Casualties", clean_text(casualties, 120)),
        ("Date of strike", clean_text(content.event_date, 60)),
        (
            "Reported in",
            ", ".join(_LANGUAGE_NAMES.get(code, clean_text(code, 8)) for code in content.languages),
        ),
    )
    outlets = tuple(o for o in (clean_text(o, 80) for o in content.outlets[:8]) if o)
    reports = ""
    if content.kind == "update" or content.reports > 1:
        reports = f"{content.reports} report{'s' if content.reports != 1 else ''}"
        if outlets:
            reports += f" from {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}"
            reports += f" ({', '.join(outlets)})"
    published = ""
    if content.published is not None:
        when = content.published
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        published = when.strftime("%Y-%m-%d %H:%M UTC")
    return _Fields(
        kind=content.kind,
        event_id=content.event_id,
        headline=isolate(clean_text(content.headline)) or "(no headline)",
        outlet=isolate(clean_text(content.outlet, 120)),
        published=published,
        link=safe_link(content.link),
        rule_id=clean_text(content.rule_id, 80),
        score=f"{content.score:.2f}",
        lines=tuple((label, isolate(value)) for label, value in rows if value),
        evidence=tuple(
            isolate(s)
            for s in (clean_text(s, _SENTENCE_MAX) for s in content.evidence[:_MAX_EVIDENCE])
            if s
        ),
        changes=tuple(c for c in (clean_text(c, 200) for c in content.changes[:10]) if c)
        if content.kind in ("update", "summary")
        else (),
        reports=reports,
        why=clean_text(content.why, 500),
    )


def _title(f: _Fields) -> str:
    labels = {"summary": "Summary", "health": "Source health", "target": "Target health"}
    if f.kind in labels:
        return clean_text(f"{labels[f.kind]}: {f.headline}", TITLE_MAX)
    where = next((value for label, value in f.lines if label == "Where"), "").split("; ")[0]
    what = next((value for label, value in f.lines if label == "What"), "")
    by = next((value for label, value in f.lines if label == "By"), "")
    about = f"{what} by {by}" if what and by else what or by
    if where and about:
        title = f"Strike reported: {where} — {about}"
    elif where or about:
        title = f"Strike reported: {where or about}"
    else:
        title = f"Strike reported: {f.headline}"
    prefix = {"update": "Update: ", "test": "Test: "}.get(f.kind, "")
    return isolate(clean_text(prefix + title, TITLE_MAX))


def _text(f: _Fields) -> str:
    out = []
    if f.kind == "test":
        out += ["This is a test alert from watcher; no strike was reported.", ""]
    if f.changes:
        out += ["What this report adds:" if f.kind == "update" else "Included:"]
        out += [f"  - {c}" for c in f.changes] + [""]
    out.append(f.headline)
    out.append(" · ".join(x for x in (f.outlet, f.published) if x))
    out.append("")
    out += [f"{label}: {value}" for label, value in f.lines]
    if f.evidence:
        out += ["", "Evidence:"] + [f"  “{s}”" for s in f.evidence]
    if f.reports:
        out += ["", f"Reports: {f.reports}"]
    if f.link:
        out += ["", f"Read: {f.link}"]
    out += ["", f"Rule {f.rule_id} · score {f.score} · event {f.event_id}"]
    if f.why:
        out.append(f"Why: {f.why}")
    return "\n".join(out).strip() + "\n"


# apprise's Slack plugin turns CommonMark into Slack mrkdwn (slack.py `_commonmark_to_slack`):
# "\<" and "\>" become &lt; and &gt;, "\[" and "\]" plain brackets, and "&" is always escaped.
# Escaping these (and "\" and "`", so that feed text cannot open a code span over our own link)
# leaves every mention and link from a feed as literal text (C1, measured in
# tests/test_alerts.py), while our labels and our one link stay live. "*" and "_" stay as they
# are: at worst they make feed text bold or italic, and escaping them would show backslashes.
_MARKDOWN_SPECIAL = re.compile(r"([\\`<>\[\]])")


def _md(value: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def _markdown(f: _Fields) -> str:
    out = []
    if f.kind == "test":
        out += ["_This is a test alert from watcher; no strike was reported._", ""]
    if f.changes:
        out += ["**What this report adds:**" if f.kind == "update" else "**Included:**"]
        out += [f"- {_md(c)}" for c in f.changes] + [""]
    out.append(f"**{_md(f.headline)}**")
    out.append(_md(" · ".join(x for x in (f.outlet, f.published) if x)))
    out.append("")
    out += [f"**{label}:** {_md(value)}" for label, value in f.lines]
    if f.evidence:
        out += ["", "**Evidence:**"] + [f"> “{_md(s)}”" for s in f.evidence]
    if f.reports:
        out += ["", f"**Reports:** {_md(f.reports)}"]
    if f.link:
        out += ["", f"[Read the report](<{f.link}>)"]
    out += ["", f"Rule `{f.rule_id.replace('`', '')}` · score {f.score} · event {f.event_id}"]
    if f.why:
        out.append(f"_Why:_ {_md(f.why)}")
    return "\n".join(out).strip() + "\n"


def _html(f: _Fields) -> str:
    e = html.escape
    out = []
    if f.kind == "test":
        out.append("<p><em>This is a test alert from watcher; no strike was reported.</em></p>")
    if f.changes:
        heading = "What this report adds:" if f.kind == "update" else "Included:"
        items = "".join(f"<li>{e(c)}</li>" for c in f.changes)
        out.append(f"<p><strong>{heading}</strong></p><ul>{items}</ul>")
    out.append(f"<h3>{e(f.headline)}</h3>")
    byline = " · ".join(x for x in (f.outlet, f.published) if x)
    if byline:
        out.append(f"<p>{e(byline)}</p>")
    if f.lines:
        rows = "".join(f"<li><strong>{label}:</strong> {e(value)}</li>" for label, value in f.lines)
        out.append(f"<ul>{rows}</ul>")
    if f.evidence:
        quotes = "".join(f"<blockquote>“{e(s)}”</blockquote>" for s in f.evidence)
        out.append(f"<p><strong>Evidence:</strong></p>{quotes}")
    if f.reports:
        out.append(f"<p><strong>Reports:</strong> {e(f.reports)}</p>")
    if f.link:
        out.append(f'<p><a href="{e(f.link)}">Read the report</a></p>')
    out.append(f"<p><small>Rule {e(f.rule_id)} · score {f.score} · event {f.event_id}</small></p>")
    if f.why:
        out.append(f"<p><small>Why: {e(f.why)}</small></p>")
    # Our isolates (feed text has none left) become <bdi> elements.
    return "\n".join(out).replace(FSI, "<bdi>").replace(PDI, "</bdi>") + "\n"


def render_alert(content: AlertContent) -> Alert:
    """Render one alert in every format; feed text is cleaned, then escaped for each format."""
    fields = _clean_fields(content)
    return Alert(
        title=_title(fields),
        text=_text(fields),
        markdown=_markdown(fields),
        html=_html(fields),
    )


def mark_late(alert: Alert, why: str) -> Alert:
    """The same alert, its title and every format led by a line saying that it comes late and
    why (issue #15: a dead alert sent again after a fix must not pass for news of now)."""
    why = clean_text(why, 400)
    return Alert(
        title=clean_text(f"Late: {alert.title}", TITLE_MAX),
        text=f"Late: {why}\n\n{alert.text}",
        markdown=f"_Late: {_md(why)}_\n\n{alert.markdown}",
        html=f"<p><em>Late: {html.escape(why)}</em></p>\n{alert.html}",
    )


# --- sending ------------------------------------------------------------------------------------

_PERMANENT_STATUS = {401, 403, 404, 410}
_EMAIL_SCHEMES = ("mailto", "mailtos")
_NATIVE = {
    "text": apprise.NotifyFormat.TEXT,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
}


def _scheme(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


# What apprise logs at WARNING and above in this context while check_url() runs: its plugins say
# there why they refuse a URL (or drop a recipient). check_url() reports it once, as a config
# problem, so the record is not printed then. Outside check_url() the filter passes every record
# on; send() reads what apprise said from the result notify() returns instead.
_heard: ContextVar[list[str] | None] = ContextVar("watcher_alerts_heard", default=None)


def _hear(record: logging.LogRecord) -> bool:
    heard = _heard.get()
    if heard is None or record.levelno < logging.WARNING:
        return True
    heard.append(record.getMessage())
    return False


logging.getLogger(apprise.LOGGER_NAME).addFilter(_hear)


def _instantiate(url: str) -> tuple[apprise.NotifyBase | None, str]:
    """The apprise plugin for `url`, or None and apprise's reason for not taking it."""
    scheme = _scheme(url)
    # Unknown schemes are refused here because apprise would log the URL's path unmasked
    # ("Unsupported URL" / "Unparseable URL", C6).
    if not scheme:
        return None, "it is not a URL (it has no scheme://)"
    if scheme not in apprise.NotificationManager():  # type: ignore[no-untyped-call]
        return None, f"apprise knows no {clean_text(scheme, 20)}:// service"
    try:
        # suppress_exceptions=False: otherwise apprise logs "Could not load ... URL: <url>"
        # with path tokens unmasked (measured with a truncated slack:// URL).
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=False)
    except Exception as error:  # a plugin constructor rejecting the URL is a config error
        return None, str(error) or type(error).__name__
    return plugin, "" if plugin is not None else "apprise cannot parse it"


def _load(url: str) -> apprise.NotifyBase | None:
    """The apprise plugin for `url`, or None when apprise cannot use it."""
    return _instantiate(url)[0]


def _privacy_url(url: str, plugin: apprise.NotifyBase | None) -> str:
    if plugin is None:
        return _masked_parts(url)
    # The query is dropped: it only repeats defaults and makes every log line long.
    privacy_url = plugin.url(privacy=True)  # type: ignore[no-untyped-call]
    return str(privacy_url).split("?", 1)[0]


def _masked_parts(url: str) -> str:
    """A URL apprise cannot parse has no privacy form of its own: its scheme, then each part
    masked as apprise masks a token ("T...A"), so that the user can tell which URL it is."""
    scheme = clean_text(_scheme(url), 20) or "(no scheme)"
    rest = url.partition("://")[2].split("?", 1)[0].split("#", 1)[0]
    credentials, _, rest = rest.rpartition("@")
    parts = [
        str(apprise.URLBase.pprint(part, privacy=True))  # type: ignore[no-untyped-call]
        for part in rest.split("/")
        if part
    ]
    return f"{scheme}://{'****@' if credentials else ''}{'/'.join(parts) or '…'}"


def masked(url: str) -> str:
    """apprise's privacy form of `url` (secrets elided) without its query, for logs."""
    return _privacy_url(url, _load(url))


# A reason quotes what apprise did not like, which may be a token: the URL's password and its
# long parts (tokens are long, names and hosts mostly short) are masked in it too.
_TOKEN_LENGTH = 12


def _scrub(reason: str, url: str) -> str:
    rest = url.partition("://")[2]
    secrets = [unquote(part) for part in re.split(r"[/:@?&=#,]+", rest) if part]
    credentials = rest.split("/", 1)[0].rpartition("@")[0]
    password = unquote(credentials.partition(":")[2])
    for secret in sorted(secrets, key=len, reverse=True):
        # A part with a space is a name ("from=Watcher Desk"), never a token; a password of
        # one to three characters cannot be told from the words around it.
        if (len(secret) >= _TOKEN_LENGTH and not re.search(r"\s", secret)) or (
            secret == password and len(secret) > 3
        ):
            masked_secret = str(apprise.URLBase.pprint(secret, privacy=True))  # type: ignore[no-untyped-call]
            reason = reason.replace(secret, masked_secret)
    return clean_text(reason, 400)


@dataclass(frozen=True)
class UrlCheck:
    """What apprise makes of one configured URL, before anything is sent to it."""

    masked: str  # apprise's privacy form (or the parts masked when apprise cannot parse it)
    problem: str  # apprise's reason for refusing it, secrets masked; "" when it is usable


def check_url(url: str) -> UrlCheck:
    """Load `url` through apprise as send() will, without sending: apprise's reason when it
    cannot use the URL, including what it warns about while loading it (a recipient dropped
    as invalid means alerts that would never reach that person)."""
    heard: list[str] = []
    token = _heard.set(heard)
    try:
        plugin, reason = _instantiate(url)
    finally:
        _heard.reset(token)
    if plugin is not None and not apprise.Apprise().add(plugin):
        reason = reason or "apprise does not take it"
    if plugin is None or heard:
        # apprise's own words when it logged any (an exception's message repeats them).
        words = list(dict.fromkeys(heard or [reason]))
        return UrlCheck(_privacy_url(url, plugin), _scrub("; ".join(words), url))
    return UrlCheck(_privacy_url(url, plugin), "")


# What a send's result tells, and how (DESIGN.md "Notifier answers through apprise's result"):
# apprise keeps the HTTP response to its plugins, but each attempt in the AppriseResult carries
# how long it took and what the plugin logged at WARNING. Its HTTP plugins end a failure's
# line with the status, "error=429."; a failure with no status means no answer came. Whether the
# request had gone out is told by the time: the connection gets a third of the timeout, so an
# attempt that failed after the whole read timeout had connected and sent, and the destination
# may have the alert (finding 4). A 429's Retry-After is in no public part of the result, nor in
# apprise's logs at any level: the delivery holds the destination for `rate_limited_wait`.
_HTTP_STATUS = re.compile(r"\berror=([1-5][0-9][0-9])\b")


def _classify(
    result: apprise.AppriseResult, service: str, read_timeout: float | None, url: str
) -> Outcome:
    """The outcome of one send from apprise's result; `read_timeout` None: the time an attempt
    took tells nothing."""
    # notify() returns an AppriseResult: true only on SUCCESS, never `is True` (finding 6).
    if result:
        return Outcome("sent", f"{service}: accepted")
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        return Outcome("ambiguous", f"{service}: no answer before the deadline")
    attempts = [attempt for served in result for attempt in served]
    last = attempts[-1] if attempts else None
    said = [entry.message for entry in (last.logs if last is not None else result.call_logs())]
    statuses = [int(m.group(1)) for message in said for m in _HTTP_STATUS.finditer(message)]
    if statuses:
        status = statuses[-1]
        detail = f"{service}: HTTP {status}"
        if status == 429:
            return Outcome("retry", f"{detail} (rate limited)", rate_limited=True)
        if status in _PERMANENT_STATUS:
            return Outcome("dead", detail + " (credentials or destination rejected)")
        return Outcome("retry", detail)
    if last is not None and read_timeout is not None and last.elapsed >= read_timeout:
        return Outcome("ambiguous", f"{service}: no answer within {read_timeout:g} s")
    # Refused, unreachable, or no HTTP at all (SMTP): apprise's own last word on it, if any.
    words = _scrub(said[-1], url) if said else "not delivered"
    return Outcome("retry", f"{service}: {words}")


def send(url: str, alert: Alert, fmt: str, *, timeout: float = 10.0) -> Outcome:
    """Post `alert` to the one apprise `url`, one attempt, and say what became of it.

    `fmt` is the body the target wants ("text", "markdown", "html"); a destination that does not
    take that format natively gets the plain text, which apprise escapes for it (finding 5).
    `timeout` is how long to wait for the answer; connecting gets a third of it.
    """
    if fmt not in _NATIVE:
        return Outcome("dead", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    # Our timeouts and a single attempt override whatever the URL says (last value wins).
    separator = "&" if "?" in url else "?"
    # apprise's email plugin uses cto as the socket timeout of every step of the SMTP exchange,
    # connecting included, so its time cannot tell a refusal from a late answer: it keeps the
    # whole timeout, and its failures are retried, never taken as ambiguous by time.
    email = _scheme(url) in _EMAIL_SCHEMES
    connect = timeout if email else timeout / 3
    plugin = _load(f"{url}{separator}cto={connect:g}&rto={timeout:g}&retry=0")
    notifier = apprise.Apprise()
    if plugin is None or not notifier.add(plugin):
        return Outcome("dead", f"{_privacy_url(url, plugin)}: not a usable apprise URL")

    wanted = _NATIVE[fmt]
    if plugin.resolve_format(wanted) != wanted:
        wanted = apprise.NotifyFormat.TEXT
    body = {"text": alert.text, "markdown": alert.markdown, "html": alert.html}[wanted.value]

    # The call deadline backs up the socket timeouts when a receiver drips its answer.
    with notifier.notify(
        body=body, title=alert.title, body_format=wanted, timeout=3 * timeout
    ) as result:
        outcome = _classify(result, str(plugin.service_name), None if email else timeout, url)
    log.debug(
        "send to %s: %s (%s)",
        _privacy_url(url, plugin),
        outcome.status,
        outcome.detail,
    )
    return outcome
