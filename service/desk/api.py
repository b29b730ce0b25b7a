"""The desk's HTTP API (FastAPI; OpenAPI at /api/openapi.json, docs at /api/docs) and the page.

Reads answer from the store; the live feed (``/api/stream``) is server-sent events pushed by the
consumer thread through :class:`Hub`. Changes (silences) need ``Authorization: Bearer <token>``.
Subscriptions are shown with their filters and target ids, never their URLs.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError

from service.desk import views
from service.desk.consumer import Arrival
from service.desk.store import Query as StoreQuery
from service.desk.store import Store

STATIC = Path(__file__).with_name("static")
MAX_PAGE = 200
READ_COOKIE = "escalert_desk_token"  # set by the page when reads need the token
_QUEUE = 1000


class Hub:
    """Fan-out of stored arrivals to the open live feeds (one bounded queue each)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue[list[dict[str, Any]] | None]] = set()

    def publish_threadsafe(self, items: list[Arrival]) -> None:
        """From the consumer thread: hand the batch to the event loop."""
        if self.loop is None or not self.queues:
            return
        payload = [{"kind": a.kind, "doc": a.doc} for a in items]
        self.loop.call_soon_threadsafe(self._fan_out, payload)

    def _fan_out(self, payload: list[dict[str, Any]]) -> None:
        for q in list(self.queues):
            if q.full():  # a reader that does not keep up is told to reload instead
                self.queues.discard(q)
                while not q.empty():
                    q.get_nowait()
                q.put_nowait(None)
                continue
            q.put_nowait(payload)


@dataclass
class DeskContext:
    store: Store
    token: str
    reads_need_token: bool = False  # ESCALERT_DESK_READS=token
    hub: Hub = field(default_factory=Hub)
    subscriptions: Callable[[], Any] = lambda: None  # -> SubscriptionSet | None
    silences: Any = None  # SilenceStore | None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    health: Callable[[], dict[str, Any]] = lambda: {"consumer": "off"}


def _naive(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


class ListParams:
    """The filters every list takes (repeat a parameter or use commas for several values)."""

    def __init__(
        self,
        since: Annotated[datetime | None, Query(description="From this time (ISO 8601).")] = None,
        until: Annotated[datetime | None, Query(description="Before this time.")] = None,
        type: Annotated[list[str] | None, Query(description="PLOVER types.")] = None,
        actor: Annotated[list[str] | None, Query(description="Actor codes (any).")] = None,
        country: Annotated[list[str] | None, Query(description="Country codes of the place.")] = None,
        modality: Annotated[list[str] | None, Query()] = None,
        status: Annotated[list[str] | None, Query(description="Event or alert status.")] = None,
        min_severity: Annotated[int | None, Query(ge=1, le=5)] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in title or sentence.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    ) -> None:
        self.query = StoreQuery(
            since=_naive(since), until=_naive(until), types=_split(type), actors=_split(actor),
            countries=_split(country), modalities=_split(modality), statuses=_split(status),
            min_severity=min_severity, q=q or None, limit=limit, cursor=cursor,
        )


class SilenceIn(BaseModel):
    """A new silence, as ``escalert silence add`` takes it."""

    matchers: dict[str, Any] = Field(description="subscriptions, types, actors, countries, "
                                     "keywords, group_key, max_severity")
    duration: str | None = Field(default=None, description="e.g. 2h, 30m, 1d")
    ends_at: datetime | None = None
    starts_at: datetime | None = None
    reason: str = Field(min_length=1)
    created_by: str | None = None


def _page(store_page: Any) -> dict[str, Any]:
    return {"items": store_page.items, "next_cursor": store_page.next_cursor,
            "names": views.names_for(store_page.items)}


def create_app(ctx: DeskContext) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.hub.loop = asyncio.get_running_loop()  # the consumer thread posts to this loop
        yield

    def require_token(authorization: Annotated[str | None, Header()] = None) -> None:
        if not _same(_bearer(authorization), ctx.token):
            raise HTTPException(401, "this change needs the desk token: Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})

    def read_guard(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
        """With ESCALERT_DESK_READS=token, every read needs the token too: the header, or the
        page's session cookie (an EventSource cannot send headers). The page itself is open."""
        if not ctx.reads_need_token or request.url.path == "/":
            return
        given = _bearer(authorization) or unquote(request.cookies.get(READ_COOKIE, ""))
        if not _same(given, ctx.token):
            raise HTTPException(401, "this desk needs its token to be read: Authorization: Bearer "
                                "<token> (ESCALERT_DESK_READS=token)",
                                headers={"WWW-Authenticate": "Bearer"})

    app = FastAPI(title="escalert desk", lifespan=lifespan, version="1", openapi_url="/api/openapi.json",
                  docs_url="/api/docs", redoc_url=None, dependencies=[Depends(read_guard)],
                  description="History of signals, events, alerts and deliveries; the calendar; "
                  "trajectories; silences. Changes need `Authorization: Bearer <token>`; so do "
                  "reads when the desk runs with ESCALERT_DESK_READS=token.")

    @app.exception_handler(ValueError)
    async def _bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    _history_routes(app, ctx)
    _calendar_routes(app, ctx)
    _delivery_routes(app, ctx)
    _silence_routes(app, ctx, require_token)
    _live_routes(app, ctx)
    return app


def _history_routes(app: FastAPI, ctx: DeskContext) -> None:
    """Lists and single items: signals, events, alerts, articles."""

    @app.get("/api/signals", tags=["history"])
    def list_signals(p: Annotated[ListParams, Depends()]) -> dict[str, Any]:
        """Signals, newest first."""
        return _page(ctx.store.signals(p.query))

    @app.get("/api/signals/{signal_id}", tags=["history"])
    def get_signal(signal_id: str) -> dict[str, Any]:
        sig = ctx.store.signal(signal_id)
        if sig is None:
            raise HTTPException(404, f"no signal {signal_id!r} in the store")
        alerts = ctx.store.alerts_with_signal(signal_id)
        return {"signal": sig, "alerts": [_alert_brief(a) for a in alerts],
                "names": views.names_for([sig])}

    @app.get("/api/events", tags=["history"])
    def list_events(p: Annotated[ListParams, Depends()]) -> dict[str, Any]:
        """Consolidated events (from the events topic), last updated first."""
        return _page(ctx.store.events(p.query))

    @app.get("/api/events/{event_id}", tags=["history"])
    def get_event(event_id: str) -> dict[str, Any]:
        """One event with its articles and the evidence of each of its signals."""
        ev = ctx.store.event(event_id)
        if ev is None:
            raise HTTPException(404, f"no event {event_id!r} in the store")
        sigs = ctx.store.event_signals(event_id)
        return {"event": ev, "signals": sigs, "articles": ev.get("articles") or views.articles_of(sigs),
                "names": views.names_for([ev, *sigs])}

    @app.get("/api/alerts", tags=["history"])
    def list_alerts(p: Annotated[ListParams, Depends()],
                    subscription: Annotated[list[str] | None, Query()] = None) -> dict[str, Any]:
        """Alerts of every status (deliver, silenced, held), newest first."""
        p.query.subscriptions = _split(subscription)
        return _page(ctx.store.alerts(p.query))

    @app.get("/api/alerts/{alert_id}", tags=["history"])
    def get_alert(alert_id: str) -> dict[str, Any]:
        a = ctx.store.alert(alert_id)
        if a is None:
            raise HTTPException(404, f"no alert {alert_id!r} in the store")
        return {"alert": a, "names": views.names_for(a.get("signals", []))}

    @app.get("/api/articles/{article_id}", tags=["history"])
    def get_article(article_id: str) -> dict[str, Any]:
        """Every signal found in one article, with its evidence."""
        sigs = ctx.store.article_signals(article_id)
        if not sigs:
            raise HTTPException(404, f"no signal of article {article_id!r} in the store")
        return {"article": sigs[0]["article"], "signals": sigs, "names": views.names_for(sigs)}


def _calendar_routes(app: FastAPI, ctx: DeskContext) -> None:
    """The calendar (JSON and .ics) and trajectories."""

    def _calendar(since: date | None, until: date | None) -> tuple[list, dict[str, str]]:
        got = ctx.store.scheduled(since, until)
        entries = views.calendar_entries(got["events"], got["signals"], ctx.clock().date())
        names = views.names_for([], extra=[c for e in entries for c in (*e["parties"], e["country"]) if c])
        return entries, names

    @app.get("/api/calendar", tags=["calendar"])
    def calendar(since: date | None = None, until: date | None = None) -> dict[str, Any]:
        """Announced meetings and other scheduled events, by date, with their status."""
        entries, names = _calendar(since, until)
        return {"entries": entries, "names": names}

    @app.get("/api/calendar.ics", tags=["calendar"], response_class=Response)
    def calendar_ics(since: date | None = None, until: date | None = None) -> Response:
        """The same as iCalendar (RFC 5545), to subscribe to from a calendar application."""
        entries, names = _calendar(since, until)
        return Response(views.calendar_ics(entries, names), media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="escalert.ics"'})

    @app.get("/api/trajectory", tags=["trajectories"])
    def trajectory(
        dyad: Annotated[str | None, Query(description="SOURCE-TARGET, e.g. RUS-UKR", pattern=r"^[A-Za-z]{2,16}-[A-Za-z]{2,16}$")] = None,
        country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,16}$")] = None,
        days: Annotated[int, Query(ge=1, le=366)] = 30,
        until: Annotated[date | None, Query(description="Last day (default: the newest signal's).")] = None,
    ) -> dict[str, Any]:
        """Daily conflict and cooperation for a directed dyad or a country: summed intensities of
        asserted events (consolidated: one story counts once) when the store has events, else of
        asserted signals; with what is behind each day."""
        if (dyad is None) == (country is None):
            raise HTTPException(400, "give exactly one of dyad=SOURCE-TARGET and country=CODE")
        source, target = (dyad.upper().split("-") if dyad else (None, None))
        codes = [source] if source else [country.upper()]  # type: ignore[union-attr]
        newest = ctx.store.newest_with([c for c in (source, target) if c] if dyad else codes,
                                       places=dyad is None)
        last = until or (newest.date() if newest else ctx.clock().date())
        start = last - timedelta(days=days - 1)
        lo = datetime.combine(start, datetime.min.time())
        hi = datetime.combine(last + timedelta(days=1), datetime.min.time())
        events = ctx.store.code_events(codes, lo, hi)
        basis = "events" if events else "signals"
        points = [views.event_as_point(e) for e in events] or ctx.store.code_signals(codes, lo, hi)
        series = views.trajectory(points, source=source, target=target,
                                  country=country.upper() if country else None, start=start, days=days)
        return {"dyad": dyad.upper() if dyad else None, "country": country.upper() if country else None,
                "basis": basis, "start": start.isoformat(), "end": last.isoformat(), "days": series,
                "names": views.names_for([], extra=[c for c in (source, target, country) if c])}


def _delivery_routes(app: FastAPI, ctx: DeskContext) -> None:
    """Subscriptions (never their URLs), deliveries and why (not)."""

    def _subs() -> Any:
        subs = ctx.subscriptions()
        if subs is None:
            raise HTTPException(404, "no subscriptions file (ESCALERT_ALERTS_SUBSCRIPTIONS)")
        return subs

    def _sub(name: str) -> Any:
        sub = _subs().get(name)
        if sub is None:
            raise HTTPException(404, f"no subscription {name!r}")
        return sub

    @app.get("/api/subscriptions", tags=["deliveries"])
    def subscriptions() -> dict[str, Any]:
        """Subscriptions with their filters and target ids (target URLs are never shown)."""
        subs = _subs()
        return {"items": [{
            "name": s.name, "enabled": s.enabled,
            "filters": s.filters.model_dump(mode="json", exclude_defaults=True),
            "target_ids": subs.target_ids(s.name),
        } for s in subs.file.subscriptions]}

    @app.get("/api/subscriptions/{name}/deliveries", tags=["deliveries"])
    def deliveries(name: str, since: datetime | None = None, until: datetime | None = None,
                   limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                   cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
                   ) -> dict[str, Any]:
        """What the subscription got in the period, and why: each alert with its matched
        filters, status (deliver, silenced, held) and the delivery to each target; newest
        first, a page at a time."""
        _sub(name)
        page = ctx.store.deliveries(name, _naive(since), _naive(until), limit, cursor)
        return {"subscription": name, "items": page.items, "next_cursor": page.next_cursor}

    @app.get("/api/subscriptions/{name}/why", tags=["deliveries"])
    def why(name: str, signal_id: str | None = None, event_id: str | None = None) -> dict[str, Any]:
        """Did the subscription get this signal (or this event's signals), and if not, which
        filter or silence stopped it."""
        from schemas.signal import Signal
        from service.desk.why import explain

        sub = _sub(name)
        if (signal_id is None) == (event_id is None):
            raise HTTPException(400, "give exactly one of signal_id and event_id")
        if signal_id is not None:
            doc = ctx.store.signal(signal_id)
            if doc is None:
                raise HTTPException(404, f"no signal {signal_id!r} in the store")
            docs = [doc]
        else:
            if ctx.store.event(event_id) is None:  # type: ignore[arg-type]
                raise HTTPException(404, f"no event {event_id!r} in the store")
            docs = ctx.store.event_signals(event_id)  # type: ignore[arg-type]
        silences = list(_subs().silences) + (_load_silences(ctx) or [])
        out = []
        for d in docs:
            alerts = [_alert_brief(a) for a in ctx.store.alerts_with_signal(d["signal_id"], name)]
            ans = explain(sub, Signal.model_validate(d), silences, alerts, ctx.clock())
            out.append({"signal_id": d["signal_id"], **ans})
        return {"subscription": name, "answers": out}


def _silence_routes(app: FastAPI, ctx: DeskContext, require_token: Callable[..., None]) -> None:
    """Silences, as `escalert silence list/add/expire`; changes need the token."""

    def _silence_store() -> Any:
        if ctx.silences is None:
            raise HTTPException(404, "no silences store (ESCALERT_ALERTS_SILENCES_PATH or a "
                                "subscriptions file)")
        return ctx.silences

    @app.get("/api/silences", tags=["silences"])
    def list_silences(all: bool = False) -> dict[str, Any]:
        """Active and pending silences (all=true: expired ones too), as `escalert silence list`."""
        now = ctx.clock()
        items = []
        for s in _load_silences(ctx, strict=True) or []:
            if not all and s.ends_at <= now:
                continue
            state = "active" if s.active(now) else ("expired" if s.ends_at <= now else "pending")
            items.append({**s.model_dump(mode="json"), "state": state})
        return {"items": items}

    @app.post("/api/silences", tags=["silences"], status_code=201,
              dependencies=[Depends(require_token)])
    def add_silence(body: SilenceIn) -> dict[str, Any]:
        """Add a silence (as `escalert silence add`); returns it with its id."""
        from schemas.subscription import Silence, parse_duration
        from service.alerts.silences import SilenceStoreError, describe_error, new_silence_id

        store = _silence_store()
        start = body.starts_at or ctx.clock()
        if (body.duration is None) == (body.ends_at is None):
            raise HTTPException(422, "give exactly one of duration and ends_at")
        try:
            end = start + parse_duration(body.duration) if body.duration else body.ends_at
        except ValueError as exc:
            raise HTTPException(422, f"duration: {exc}") from None
        try:
            silence = Silence.model_validate({
                "id": new_silence_id(), "matchers": body.matchers, "starts_at": start,
                "ends_at": end, "reason": body.reason, "created_by": body.created_by})
        except ValidationError as exc:
            raise HTTPException(422, describe_error(exc)) from None
        try:
            store.add(silence)
        except SilenceStoreError as exc:
            raise HTTPException(409, str(exc)) from None
        return silence.model_dump(mode="json")

    @app.post("/api/silences/{silence_id}/expire", tags=["silences"],
              dependencies=[Depends(require_token)])
    def expire_silence(silence_id: str) -> dict[str, Any]:
        """End a silence now (it stays in the store, expired), as `escalert silence expire`."""
        from service.alerts.silences import SilenceStoreError

        try:
            s = _silence_store().expire(silence_id, ctx.clock())
        except KeyError:
            raise HTTPException(404, f"no silence with id {silence_id!r}") from None
        except SilenceStoreError as exc:
            raise HTTPException(409, str(exc)) from None
        return s.model_dump(mode="json")


def _live_routes(app: FastAPI, ctx: DeskContext) -> None:
    """The live feed (SSE), names, health, the page and its assets."""

    @app.get("/api/stream", tags=["live"])
    async def stream(request: Request) -> Any:
        """Server-sent events: `signal`, `event`, `alert` and `delivery`, each a JSON document
        with `names`; `reload` when this reader fell behind."""
        from sse_starlette.sse import EventSourceResponse

        q: asyncio.Queue[list[dict[str, Any]] | None] = asyncio.Queue(_QUEUE)
        ctx.hub.loop = asyncio.get_running_loop()
        ctx.hub.queues.add(q)

        async def events() -> AsyncIterator[dict[str, str]]:
            try:
                yield {"event": "hello", "data": "{}"}
                while True:
                    batch = await q.get()
                    if batch is None:
                        yield {"event": "reload", "data": "{}"}
                        return
                    for item in batch:
                        doc = item["doc"]
                        names = views.names_for([doc]) if item["kind"] != "delivery" else {}
                        yield {"event": item["kind"], "data": json.dumps({"doc": doc, "names": names})}
            finally:
                ctx.hub.queues.discard(q)

        return EventSourceResponse(events(), ping=15)

    @app.get("/api/names", tags=["names"])
    def names(code: Annotated[list[str], Query()]) -> dict[str, str]:
        return views.names_for([], extra=_split(code))

    @app.get("/api/health", tags=["live"])
    def health() -> dict[str, Any]:
        return {"store": ctx.store.dialect, **ctx.health()}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def _bearer(authorization: str | None) -> str:
    scheme, _, given = (authorization or "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" else ""


def _same(given: str, token: str) -> bool:
    """Constant-time comparison; bytes, so that any header text compares instead of raising."""
    return bool(given) and secrets.compare_digest(given.encode(), token.encode())


def _alert_brief(a: dict[str, Any]) -> dict[str, Any]:
    keys = ("alert_id", "subscription", "kind", "status", "silenced_by", "severity", "title",
            "created_at", "matched", "target_ids", "reason", "group_key")
    return {k: a.get(k) for k in keys}


def _load_silences(ctx: DeskContext, strict: bool = False) -> list[Any] | None:
    from service.alerts.silences import SilenceStoreError

    if ctx.silences is None:
        if strict:
            raise HTTPException(404, "no silences store (ESCALERT_ALERTS_SILENCES_PATH or a "
                                "subscriptions file)")
        return None
    try:
        return ctx.silences.load()
    except SilenceStoreError as exc:
        raise HTTPException(500, str(exc)) from None
