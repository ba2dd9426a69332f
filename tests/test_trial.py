"""`watcher try`: extraction and detection on one page, explained; sidebars never fire."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.httpserver import LoopbackServer
from watcher.cli import main
from watcher.detection import default_rules, explain
from watcher.http import HttpClient
from watcher.trial import load_source

CORPUS_HTML = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "html"
STRIKE_PAGE = """<!DOCTYPE html><html><head><title>Drone strike hits convoy near Al-Bukamal</title>
</head><body><nav><a href="/">Home</a></nav><article><h1>Drone strike hits convoy near
Al-Bukamal</h1><p>A drone strike hit a convoy of trucks near Al-Bukamal in eastern Syria on
Monday, killing four members of an Iran-backed militia, a war monitor said.</p><p>The trucks had
crossed from Iraq hours earlier, the monitor said. No one claimed the strike.</p><p>The border
town has been struck repeatedly in the past year.</p></article>
<footer>© Example</footer></body></html>"""


def corpus_pages() -> list[Path]:
    if not CORPUS_HTML.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{CORPUS_HTML} is missing: CI must have shared/ beside the checkout")
        pytest.skip(f"{CORPUS_HTML} is not here")
    return sorted(CORPUS_HTML.glob("*.html"))


def test_no_corpus_page_fires_on_its_sidebars() -> None:
    """The corpus pages' strike headlines sit in sidebars and tickers: nothing may fire."""
    pages = corpus_pages()
    assert len(pages) >= 20
    client = HttpClient()
    fired = []
    for page in pages:
        title, text, _ = load_source(str(page), client)
        verdict = explain(title, text, default_rules())
        if verdict.detection is not None:
            fired.append((page.name, verdict.detection.evidence))
    assert fired == []


def test_try_a_url_explains_why_it_fires(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[watcher]\nallow_private_networks = ["127.0.0.1/32"]\n'
        '[[feeds]]\nurl = "https://a.example/f"\n'
    )
    with LoopbackServer() as server:
        server.routes["/story.html"] = (200, {"Content-Type": "text/html"}, STRIKE_PAGE.encode())
        assert main(["-c", str(config), "try", server.url("/story.html")]) == 0
        out = capsys.readouterr().out
        assert "verdict: strike detected by rule" in out
        assert "evidence:" in out and "matched place" in out
        assert main(["-c", str(config), "try", "--json", server.url("/story.html")]) == 0
        verdict = json.loads(capsys.readouterr().out)["verdict"]
        assert verdict["detection"]["fields"]["countries"] == ["SY"]


def test_try_refuses_a_private_address_without_the_allowance(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with LoopbackServer() as server:
        server.routes["/story.html"] = (200, {"Content-Type": "text/html"}, STRIKE_PAGE.encode())
        assert main(["-c", str(tmp_path / "none.toml"), "try", server.url("/story.html")]) == 1
        assert "loopback" in capsys.readouterr().err
        assert server.requests == []


def test_try_a_text_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(
        "Teachers strike in Basra over unpaid wages\nThousands walked out on Sunday.\n"
    )
    assert main(["-c", str(tmp_path / "none.toml"), "try", str(story)]) == 0
    out = capsys.readouterr().out
    assert "verdict: no strike detected" in out
    assert "why:" in out
