"""Arabic and English reports of one strike (issue #12): one event and one alert whatever the
language, the alert saying which languages reported it, Arabic text set in direction isolates,
a feed's declared language; and Arabic stories that are not strikes alert nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.httpserver import LoopbackServer
from tests.test_pipeline import feed_answer
from watcher import alerts as alerting
from watcher.config import parse_config
from watcher.errors import ConfigError
from watcher.pipeline import Context, make_client, run_feed
from watcher.store import alerts, open_store

NOW = datetime.now(UTC).replace(microsecond=0)
QUIET = ("1", "Iraq's central bank cuts interest rates", "The central bank in Baghdad cut rates.")
ARABIC_STRIKE = (
    "2",
    "غارة جوية تستهدف مواقع للحشد الشعبي قرب القائم",
    "استهدفت طائرات حربية مجهولة، فجر اليوم، مواقع لفصائل الحشد الشعبي قرب مدينة القائم "
    "غربي محافظة الأنبار، ما أسفر عن مقتل ثلاثة عناصر، بحسب مصادر أمنية.",
)
ENGLISH_STRIKE = (
    "3",
    "Air strike hits militia positions near Al Qaim",
    "Unidentified warplanes struck positions of the Popular Mobilization Forces near the town of "
    "Al Qaim in Iraq's Anbar province before dawn, killing three fighters, security sources said.",
)
LABOUR = (
    "4",
    "إضراب المعلمين يعم مدارس البصرة",
    "دخل آلاف المعلمين في محافظة البصرة في إضراب عن الدوام احتجاجا على تأخر الرواتب، ووصفت "
    "النقابة الإضراب بأنه ضربة موجعة للحكومة.",
)
GAZA = (
    "5",
    "غارات إسرائيلية على شمال قطاع غزة",
    "شنت طائرات حربية إسرائيلية فجر اليوم غارات جوية على مخيم جباليا شمال قطاع غزة، ما أسفر عن "
    "سقوط شهداء وجرحى.",
)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def context(tmp_path: Path, server: LoopbackServer) -> Context:
    """Two feeds on the loopback server: an Arabic desk that says its language, an English wire
    whose language is told from its items."""
    feeds = (
        f'[[feeds]]\nname = "arabic desk"\nurl = "{server.url("/ar.xml")}"\nlanguage = "ar"\n\n'
        f'[[feeds]]\nname = "english wire"\nurl = "{server.url("/en.xml")}"\n'
    )
    settings = (
        f'[watcher]\nstate_directory = "{tmp_path}"\nfetch_articles = false\n'
        'allow_private_networks = ["127.0.0.1/32"]\n\n'
    )
    config = parse_config(settings + feeds, str(tmp_path / "c.toml"))
    store = open_store(config.settings.database)
    return Context(config=config, store=store, client=make_client(config))


def answer(server: LoopbackServer, path: str, items: list[tuple[str, str, str]]) -> None:
    when = NOW - timedelta(minutes=5)
    feed_answer(server, path, [(guid, title, text, when) for guid, title, text in items])


def stored_alerts(ctx: Context) -> list[tuple[str, str, str]]:
    with ctx.store.engine.connect() as db:
        rows = db.execute(sa.select(alerts.c.kind, alerts.c.text, alerts.c.html)).all()
    return [(row.kind, row.text, row.html) for row in rows]


def test_an_arabic_and_an_english_report_of_one_strike_make_one_alert(
    tmp_path: Path, server: LoopbackServer
) -> None:
    ctx = context(tmp_path, server)
    arabic_feed, english_feed = ctx.config.feeds
    assert arabic_feed.language == "ar" and english_feed.language is None
    answer(server, "/ar.xml", [QUIET])
    answer(server, "/en.xml", [QUIET])
    run_feed(ctx, arabic_feed)  # first polls catch up silently
    run_feed(ctx, english_feed)
    answer(server, "/ar.xml", [ARABIC_STRIKE, LABOUR, GAZA, QUIET])
    answer(server, "/en.xml", [ENGLISH_STRIKE, QUIET])
    first = run_feed(ctx, arabic_feed)
    second = run_feed(ctx, english_feed)
    assert (first.detections, first.alerts) == (1, 1)  # the labour strike and Gaza: nothing
    assert second.detections == 1
    sent = stored_alerts(ctx)
    kinds = [kind for kind, _, _ in sent]
    assert kinds.count("new") == 1 and kinds.count("update") <= 1 and len(kinds) <= 2
    new_text = next(text for kind, text, _ in sent if kind == "new")
    assert "Reported in: Arabic" in new_text
    assert f"{alerting.FSI}غارة جوية تستهدف مواقع للحشد الشعبي قرب القائم{alerting.PDI}" in new_text
    with ctx.store.engine.connect() as db:
        events = db.execute(sa.text("select state from events")).all()
    assert len(events) == 1 and '"languages": ["ar", "en"]' in events[0].state


def test_rendered_arabic_is_isolated_in_text_markdown_and_html() -> None:
    content = alerting.AlertContent(
        event_id=7,
        kind="new",
        headline="قصف مدفعي على ريف حلب\u202e",  # a feed's own bidi override is dropped
        outlet="desk",
        published=None,
        link=None,
        rule_id="strike-iraq-syria",
        score=0.9,
        places=("Aleppo / حلب (Aleppo, SY)",),
        evidence=("قصفت المدفعية قرى في ريف حلب.",),
        languages=("ar", "en"),
    )
    alert = alerting.render_alert(content)
    assert "\u202e" not in alert.text + alert.markdown + alert.html + alert.title
    assert f"{alerting.FSI}قصف مدفعي على ريف حلب{alerting.PDI}" in alert.text
    assert f"Aleppo / {alerting.FSI}حلب{alerting.PDI} (Aleppo, SY)" in alert.markdown
    assert "<h3><bdi>قصف مدفعي على ريف حلب</bdi></h3>" in alert.html
    assert alerting.FSI not in alert.html
    assert "Reported in: Arabic, English" in alert.text
    assert f"{alerting.FSI}حلب{alerting.PDI}" in alert.title


def test_an_english_alert_has_no_isolates() -> None:
    content = alerting.AlertContent(
        event_id=1, kind="new", headline="Jets strike Raqqa", outlet="wire", published=None,
        link=None, rule_id="r", score=0.9, languages=("en",),
    )  # fmt: skip
    alert = alerting.render_alert(content)
    assert alerting.FSI not in alert.text + alert.markdown + alert.title
    assert "Reported in: English" in alert.text


def test_a_feed_language_must_be_one_the_rules_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(
            f"""
[watcher]
state_directory = "{tmp_path}"

[[feeds]]
url = "https://news.example.org/feed.xml"
language = "fr"
""",
            str(tmp_path / "c.toml"),
        )
    problem = raised.value.problems[0]
    assert (problem.path, problem.value) == ("feeds[0].language", "fr")
    assert '"ar"' in problem.fix
