"""How long the web view takes to render a page of 1,000 events, over a real loopback server.

Writes `--events` events (spread over Iraq's and Syria's governorates and 90 days, each with
two outlets) into a fresh SQLite store through the store's own methods, serves the view on
127.0.0.1 as `watcher run` does, and times whole GET requests of the events page, the map and
the exports with `limit` set to all of them: `--rounds` requests each after one warm-up,
printing the median and the slowest. With --screenshots DIR and Chromium at /usr/bin/chromium,
also saves the events page and the map as PNGs (the README's picture comes from here).

    .venv/bin/python bench/web.py [--events 1000] [--rounds 10] [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher import events as eventing
from watcher.config import parse_config
from watcher.pipeline import Context, make_client
from watcher.store import Store, open_store
from watcher.web import places
from watcher.web.app import WebServer, WebView

ACTORS = ("United States", "Israel", "Turkey", "Russia", "Syrian government", "Iran-backed militia")
KINDS = ("air_drone", "missile_rocket", "shelling")


def fill(store: Store, count: int, seed: int = 14) -> None:
    """`count` events at governorates' centres, jittered, newest up to now."""
    rng = random.Random(seed)
    regions = [r for r in places.load_map().regions if r.ids]
    start = datetime.now(UTC) - timedelta(days=90)
    with store.transaction() as db:
        for n in range(count):
            region = rng.choice(regions)
            ring = max((p[0] for p in region.polygons), key=len)
            lon = sum(x for x, _ in ring) / len(ring) + rng.uniform(-0.2, 0.2)
            lat = sum(y for _, y in ring) / len(ring) + rng.uniform(-0.2, 0.2)
            level = rng.choice(("place", "place", "place", "governorate"))
            opened = start + timedelta(minutes=n * 90 * 24 * 60 // count)
            state = eventing.EventState(
                id=0,
                opened=opened,
                last_report=opened,
                strike_types=(rng.choice(KINDS),),
                actors=(rng.choice(ACTORS),),
                targets=("positions",),
                places=(
                    eventing.PlaceKey(
                        f"b{n}", f"Place {n}", region.country, region.id, level, lat, lon
                    ),
                ),
                countries=(region.country,),
                outlets=("Wire", "Daily"),
                killed=rng.choice((None, 1, 3, (2, 5))),
                reports=2,
            )
            store.save_event(
                db,
                None,
                opened=opened,
                last_report=opened,
                reports=2,
                summary=eventing.summary(state),
                state=eventing.state_to_dict(state),
            )


def timed(url: str, rounds: int) -> tuple[float, float, int]:
    def once() -> tuple[float, int]:
        began = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            size = len(response.read())
        return time.perf_counter() - began, size

    once()  # templates compiled, outlines projected
    runs = [once() for _ in range(rounds)]
    times = [t for t, _ in runs]
    return statistics.median(times), max(times), runs[-1][1]


def screenshots(base: str, directory: Path) -> None:
    from playwright.sync_api import sync_playwright

    directory.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name, path in (("events", "/?limit=40"), ("map", "/map?limit=1000")):
            page.goto(base + path)
            page.screenshot(path=str(directory / f"{name}.png"), full_page=name == "map")
            print(f"screenshot {directory / f'{name}.png'}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="watcher-web-bench-"))
    try:
        config = parse_config(
            f'[watcher]\nstate_directory = "{root}"\n[[feeds]]\nurl = "https://a.example/f"\n',
            str(root / "config.toml"),
        )
        store = open_store(config.settings.database)
        fill(store, args.events)
        ctx = Context(config=config, store=store, client=make_client(config))
        with WebServer("127.0.0.1:0", WebView(lambda: ctx)) as server:
            base = f"http://127.0.0.1:{server.port}"
            print(f"{args.events} events, {args.rounds} requests each after a warm-up")
            for path in ("/", "/map", "/events.atom", "/events.geojson", "/events.csv"):
                median, slowest, size = timed(f"{base}{path}?limit={args.events}", args.rounds)
                print(
                    f"GET {path:<16} median {median * 1000:7.1f} ms  slowest "
                    f"{slowest * 1000:7.1f} ms  {size / 1024:7.0f} KiB"
                )
            if args.screenshots:
                screenshots(base, args.screenshots)
        ctx.client.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
