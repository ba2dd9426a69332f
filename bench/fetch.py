"""The HTTP client's own cost: CPU per conditional GET answered 304 on a kept connection.

Two passes over one farm (50 ms latency): one thread fetching one feed again and again, then
32 threads fetching 1,000 feeds once each, as an unchanged cycle does. Prints the client's CPU
per request (the calling thread's for the first, the process's for the second; the farm runs
in its own process), best and median of the repetitions. To compare
two versions of watcher/http.py, run this once with each on PYTHONPATH, side by side:

    PYTHONPATH=. .venv/bin/python bench/fetch.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import farm

import watcher.http
from watcher.http import HttpClient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"watcher/http.py from {Path(watcher.http.__file__).resolve().parent.parent}")
    with tempfile.TemporaryDirectory() as workdir, farm(Path(workdir), feeds=1000) as running:
        client = HttpClient(allow_private=["127.0.0.1/32"], idle_per_host=32)
        urls = [running.url(f"/feed/{i}.xml") for i in range(1000)]
        tags = {}

        def first(url: str) -> None:
            tags[url] = client.get(url).headers.get("etag", "")

        with ThreadPoolExecutor(32) as pool:
            list(pool.map(first, urls))

        def again(url: str) -> int:
            return client.get(url, headers={"If-None-Match": tags[url]}).status

        one = []
        for _ in range(args.repeat):
            started = time.thread_time()
            for _ in range(200):
                again(urls[0])
            one.append((time.thread_time() - started) / 200)
        many = []
        for _ in range(args.repeat):
            started = time.process_time()
            with ThreadPoolExecutor(32) as pool:
                statuses = list(pool.map(again, urls))
            many.append((time.process_time() - started) / len(urls))
            if set(statuses) != {304}:
                raise SystemExit(f"expected only 304s from the farm, got {set(statuses)}")
        client.close()
    for name, figures in (("1 thread, 1 feed", one), ("32 threads, 1,000 feeds", many)):
        print(
            f"{name:24} CPU per request: best {min(figures) * 1e6:.0f} us, "
            f"median {statistics.median(figures) * 1e6:.0f} us"
        )


if __name__ == "__main__":
    main()
