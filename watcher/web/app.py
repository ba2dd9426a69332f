"""The read-only web view: HTTP GET requests in, pages rendered from templates/ out; reads the
store through queries.py and the store's own read methods, and never writes.

werkzeug routes and parses requests and builds responses; Jinja2 renders every page with
autoescaping on, so feed text is always text. Maps and timelines are SVG drawn here, not by a
script in the browser: the pages run no JavaScript at all, and the Content-Security-Policy
says so (reliability.md finding 5 on feed text: escape it wherever it goes).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, Unauthorized
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from watcher.web import exports, places, queries
from watcher.web.places import Located

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from watcher.pipeline import Context

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
# No script runs on any page; styles and images come from this server only; forms submit
# here only; no page can be framed. The SVG is inline markup, which needs no script.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Following a report's link tells the outlet nothing of where it was read.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC = {"style.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"}

# GET (and HEAD, which werkzeug adds) only: any other method is 405, and nothing writes.
URLS = Map(
    [
        Rule(path, endpoint=endpoint, methods=["GET"])
        for path, endpoint in (
            ("/", "events"),
            ("/events/<int:event_id>", "event"),
            ("/map", "map"),
            ("/health", "health"),
            ("/events.atom", "atom"),
            ("/events.geojson", "geojson"),
            ("/events.csv", "csv"),
            ("/static/<name>", "static"),
        )
    ]
)


def when(moment: datetime | date | None) -> str:
    if moment is None:
        return "-"
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.isoformat()


@cache
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("watcher.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["count"] = queries.show_count
    return env


# --- the map and the timeline, drawn as SVG --------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """Longitude and latitude to SVG pixels: equirectangular, scaled by the cosine of the
    middle latitude so that Iraq and Syria keep their shape (they span 29° to 37.5° N)."""

    west: float
    north: float
    scale: float
    squeeze: float
    width: int
    height: int

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            round((lon - self.west) * self.scale * self.squeeze, 1),
            round((self.north - lat) * self.scale, 1),
        )


@dataclass(frozen=True)
class Outline:
    name: str
    country: str
    path: str  # SVG path data
    label: tuple[float, float] | None  # where its name is written, None when it is too small


@dataclass(frozen=True)
class Marker:
    event: queries.EventView
    where: Located
    x: float
    y: float


@cache
def projection(width: int = 960) -> Projection:
    import math

    regions = places.load_map().regions
    lons = [x for r in regions for polygon in r.polygons for x, _ in polygon[0]]
    lats = [y for r in regions for polygon in r.polygons for _, y in polygon[0]]
    west, east, south, north = min(lons) - 0.3, max(lons) + 0.3, min(lats) - 0.3, max(lats) + 0.3
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = width / ((east - west) * squeeze)
    return Projection(west, north, scale, squeeze, width, round((north - south) * scale))


@cache
def outlines() -> tuple[Outline, ...]:
    shape = projection()
    drawn = []
    for region in places.load_map().regions:
        parts = []
        for polygon in region.polygons:
            for ring in polygon:
                points = [shape.point(x, y) for x, y in ring]
                parts.append("M" + " L".join(f"{x},{y}" for x, y in points) + " Z")
        outer = max((p[0] for p in region.polygons), key=len)
        lon = sum(x for x, _ in outer) / len(outer)
        lat = sum(y for _, y in outer) / len(outer)
        # A name fits a governorate at least this wide; smaller ones (Damascus inside Rif
        # Dimashq, Quneitra) say theirs on hover, as every outline does.
        wide = (
            shape.point(max(x for x, _ in outer), lat)[0]
            - shape.point(min(x for x, _ in outer), lat)[0]
        )
        label = shape.point(lon, lat) if wide >= 45 and region.ids else None
        drawn.append(Outline(region.name, region.country, " ".join(parts), label))
    return tuple(drawn)


def markers(found: Iterable[queries.EventView]) -> list[Marker]:
    shape = projection()
    out = []
    for event in found:
        if event.where is not None:
            x, y = shape.point(event.where.lon, event.where.lat)
            out.append(Marker(event, event.where, x, y))
    # The broad circles first, so that a town's dot is never hidden under a country's ring.
    rank = {"country": 0, "governorate": 1, "town": 2}
    out.sort(key=lambda m: rank.get(m.where.precision, 2))
    return out


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    height: float


def timeline(found: Iterable[queries.EventView], width: int = 960, height: int = 80) -> list[Bar]:
    """Events per day, every day from the first to the last in view (at most 366 days)."""
    per_day = Counter(event.day for event in found)
    if not per_day:
        return []
    last = max(per_day)
    first = max(min(per_day), last - timedelta(days=365))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    step = width / len(days)
    peak = max(per_day.values())
    counts = [per_day.get(day, 0) for day in days]
    return [
        Bar(day, count, round(i * step, 1), round(count / peak * height))
        for i, (day, count) in enumerate(zip(days, counts, strict=True))
    ]


# --- the application -------------------------------------------------------------------------


class WebView:
    """The WSGI application. `context` returns the daemon's context of the moment (a reload
    swaps it); `token`, when set, is required on every request."""

    def __init__(self, context: Callable[[], Context], token: str = "") -> None:
        self.context = context
        self.token = token

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except HTTPException as error:
            response = self.error(error)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if self.token and not self.authorised(request):
            raise Unauthorized(
                "This view needs the token: send it as a bearer token, or as the password "
                "(any user name) when the browser asks.",
                www_authenticate=None,
            )
        adapter = URLS.bind_to_environ(request.environ)
        endpoint, values = adapter.match()
        page: Callable[..., Response] = getattr(self, f"page_{endpoint}")
        return page(request, **values)

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        given = ""
        if scheme.lower() == "bearer":
            given = credentials.strip()
        elif scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            given = decoded.partition(":")[2]
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def error(self, error: HTTPException) -> Response:
        body = (
            templates()
            .get_template("error.html")
            .render(code=error.code or 500, name=error.name, description=error.description or "")
        )
        response = Response(body, status=error.code or 500, mimetype="text/html")
        if isinstance(error, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Basic realm="watcher", charset="UTF-8"'
        if error.code == 405:
            response.headers["Allow"] = "GET, HEAD"
        return response

    def render(self, name: str, **values: Any) -> Response:
        html = templates().get_template(name).render(**values)
        return Response(html, mimetype="text/html")

    # --- pages ---------------------------------------------------------------------------------

    def _filtered(self, request: Request) -> tuple[queries.Filters, list[queries.EventView], int]:
        try:
            filters = queries.Filters.from_args(request.args)
            limit = int(request.args.get("limit", DEFAULT_LIMIT))
        except ValueError as error:
            raise BadRequest(str(error)) from None
        limit = max(1, min(limit, MAX_LIMIT))
        engine = self.context().store.engine
        return filters, queries.list_events(engine, filters, limit), limit

    def _page_values(self, request: Request, active: str) -> dict[str, Any]:
        filters, found, limit = self._filtered(request)
        query = urlencode(filters.params())
        return {
            "active": active,
            "filters": filters,
            "events": found,
            "limit": limit,
            "governorates": places.governorates(),
            "countries": sorted({country for country, _ in places.governorates()}),
            "query": query,
        }

    def page_events(self, request: Request) -> Response:
        return self.render("events.html", **self._page_values(request, "events"))

    def page_map(self, request: Request) -> Response:
        values = self._page_values(request, "map")
        shape = projection()
        return self.render(
            "map.html",
            **values,
            shape=shape,
            outlines=outlines(),
            markers=markers(values["events"]),
            bars=timeline(values["events"]),
            source=places.load_map().source,
        )

    def page_event(self, request: Request, event_id: int) -> Response:
        engine = self.context().store.engine
        event = queries.get_event(engine, event_id)
        if event is None:
            raise NotFound(f"There is no event {event_id}.")
        return self.render(
            "event.html",
            active="events",
            event=event,
            reports=queries.event_reports(engine, event_id),
            alerts=queries.event_alerts(engine, event_id),
        )

    def page_health(self, request: Request) -> Response:
        from watcher.pipeline import feed_health
        from watcher.store import now

        ctx = self.context()
        stored = {feed.url: feed for feed in ctx.store.all_feeds()}
        rows = []
        for feed in ctx.config.feeds:
            state = stored.get(feed.url)
            health = "new" if state is None else feed_health(state, ctx.config.settings)
            rows.append((feed, state, health))
        return self.render(
            "health.html",
            active="health",
            feeds=rows,
            outbox=ctx.store.outbox_counts(),
            silences=ctx.store.silences(active_at=now()),
        )

    def page_atom(self, request: Request) -> Response:
        _, found, _ = self._filtered(request)
        base = request.host_url.rstrip("/")
        body = exports.to_atom(found, base_url=base, self_url=request.url)
        return Response(body, mimetype="application/atom+xml")

    def page_geojson(self, request: Request) -> Response:
        _, found, _ = self._filtered(request)
        collection = exports.to_geojson(found, base_url=request.host_url.rstrip("/"))
        return Response(json.dumps(collection, ensure_ascii=False), mimetype="application/geo+json")

    def page_csv(self, request: Request) -> Response:
        _, found, _ = self._filtered(request)
        response = Response(exports.to_csv(found), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="events.csv"'
        return response

    def page_static(self, request: Request, name: str) -> Response:
        kind = STATIC.get(name)
        if kind is None:
            raise NotFound()
        body = files("watcher.web").joinpath(f"static/{name}").read_bytes()
        return Response(body, content_type=kind)


# --- serving ---------------------------------------------------------------------------------


class WebServer:
    """werkzeug's threaded WSGI server on its own thread; stop() waits for it to end."""

    def __init__(self, address: str, app: WebView) -> None:
        # werkzeug logs every request at INFO; the journal gets one line per poll, not per page.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        host, _, port = address.rpartition(":")
        self.server: BaseWSGIServer = make_server(host.strip("[]"), int(port), app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="web", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> WebServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def serve(address: str, context: Callable[[], Context], token: str = "") -> WebServer:
    """Serve the view on host:port in a background thread."""
    server = WebServer(address, WebView(context, token)).start()
    log.info("web view at http://%s/", address)
    return server
