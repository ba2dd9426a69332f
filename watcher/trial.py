"""`watcher try`: one URL or file in, the extracted text and the detector's verdict with its
explanation out; fetches through the same guarded client as the daemon."""

from __future__ import annotations

import html
import json
import re
import sys
from dataclasses import asdict
from pathlib import Path

from watcher.articles import decode_html, extract_text
from watcher.config import load_config
from watcher.detection import RuleSet, Verdict, default_rules, explain
from watcher.errors import ExtractError, FetchError
from watcher.http import HttpClient

_OG_TITLE = re.compile(
    r"<meta[^>]+property=[\"']og:title[\"'][^>]+content=[\"']([^\"']+)", re.IGNORECASE
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def page_title(page: str) -> str:
    """The page's headline: its og:title, else its <title>."""
    match = _OG_TITLE.search(page) or _TITLE.search(page)
    return html.unescape(re.sub(r"\s+", " ", match.group(1))).strip() if match else ""


def load_source(source: str, client: HttpClient) -> tuple[str, str, str]:
    """(title, text, how it was read) of a URL, an HTML file or a plain-text file."""
    if re.match(r"^https?://", source, re.IGNORECASE):
        response = client.get(source)
        page = decode_html(response.body, response.headers.get("content-type", ""))
        how = f"fetched {response.url} ({len(response.body)} bytes)"
    else:
        path = Path(source)
        raw = path.read_bytes()
        page = decode_html(raw)
        how = f"read {path} ({len(raw)} bytes)"
        if not re.search(r"<(html|body|p|div|article)\b", page[:5000], re.IGNORECASE):
            lines = page.strip().splitlines()
            title = lines[0].strip() if lines else ""
            return title, "\n".join(lines[1:]).strip(), how + " as text: first line is the headline"
    text = extract_text(page, source)
    if not text:
        raise ExtractError(f"{source}: no main text could be extracted")
    return page_title(page), text, how + "; main text extracted"


def render_verdict(verdict: Verdict) -> str:
    lines = []
    detection = verdict.detection
    if detection is None:
        lines.append("verdict: no strike detected")
    else:
        f = detection.fields
        what = (
            "a denial of a strike (it can update an event, never open one)"
            if detection.denial
            else "strike detected"
        )
        lines.append(f"verdict: {what} by rule {detection.rule_id!r}, score {detection.score:.2f}")
        lines.append(
            f"  type: {f.strike_type or '-'}   actor: {f.actor or '-'}   target: {f.target or '-'}"
        )
        lines.append(
            "  places: "
            + (
                ", ".join(f"{p.name} ({p.governorate or '?'}, {p.country})" for p in f.places)
                or "-"
            )
        )
        lines.append(
            f"  killed: {f.killed if f.killed is not None else '-'}   "
            f"wounded: {f.wounded if f.wounded is not None else '-'}   "
            f"date: {f.event_date or f.event_date_text or '-'}"
        )
        for sentence in detection.evidence:
            lines.append(f"  evidence: {sentence}")
        for mention in detection.mentions:
            lines.append(
                f"  matched {mention.kind} {mention.text!r} at {mention.start}-"
                f"{mention.end} ({mention.ref})"
            )
        for lowered in detection.lowered_by:
            lines.append(f"  lowered by: {lowered}")
    for reason in verdict.reasons:
        lines.append(f"  why: {reason}")
    return "\n".join(lines)


def run_try(source: str, *, config_path: Path | None, as_json: bool) -> int:
    rules: RuleSet
    if config_path is not None:
        config = load_config(config_path)
        rules = config.rules
        client = HttpClient(allow_private=config.settings.allow_private_networks)
    else:
        rules = default_rules()
        client = HttpClient()
    try:
        with client:
            title, text, how = load_source(source, client)
    except (FetchError, ExtractError, OSError) as error:
        print(f"watcher: cannot read {source}: {error}", file=sys.stderr)
        return 1
    verdict = explain(title, text, rules)
    if as_json:
        print(
            json.dumps(
                {"source": source, "title": title, "how": how, "verdict": asdict(verdict)},
                default=str,
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(f"{how}\nheadline: {title}\ntext: {len(text)} characters\n")
    print(render_verdict(verdict))
    return 0
