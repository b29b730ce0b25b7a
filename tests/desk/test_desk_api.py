"""The desk's HTTP API on both stores: lists and filters, one item, calendar (JSON and .ics),
trajectories, deliveries and "why not", silences with the token, no secret in any answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.desk.api import DeskContext, create_app
from service.desk.rows import alert_rows, event_rows, ledger_rows, signal_rows

TOKEN = "test-token-1234"
SECRET = "hunter2-smtp-password"
NOW = datetime(2025, 1, 5, 12, 0, tzinfo=UTC)

SUBS_YAML = f"""
subscriptions:
  - name: local
    urls: ["escalertconsole://"]
    group_wait: 0s
  - name: ops-email
    urls: ["mailtos://user:{SECRET}@smtp.example.org?to=ops@example.org"]
    filters:
      types: [MOBILIZE, ASSAULT]
      min_severity: 4
  - name: rus-nato
    urls: ["json://127.0.0.1:9/hook?token={SECRET}"]
    filters:
      actors: [NATO]
"""


@pytest.fixture
def client(store, seed_signals, seed_alerts, tmp_path: Path):
    from service.alerts.silences import SilenceStore
    from service.alerts.subscriptions import load_subscriptions

    subs_path = tmp_path / "subs.yaml"
    subs_path.write_text(SUBS_YAML)
    subs = load_subscriptions(subs_path, file_root=tmp_path)
    store.ingest([signal_rows(s) for s in seed_signals] + [alert_rows(a) for a in seed_alerts])
    ctx = DeskContext(store=store, token=TOKEN, subscriptions=lambda: subs,
                      silences=SilenceStore(tmp_path / "subs.silences.json"), clock=lambda: NOW)
    with TestClient(create_app(ctx)) as c:
        yield c


def _all_text(c: TestClient, paths: list[str]) -> str:
    return "\n".join(c.get(p).text for p in paths)


def test_openapi_documents_every_route(client):
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/signals", "/api/events/{event_id}", "/api/calendar.ics", "/api/trajectory",
                 "/api/subscriptions/{name}/deliveries", "/api/subscriptions/{name}/why",
                 "/api/silences", "/api/silences/{silence_id}/expire", "/api/stream"):
        assert path in spec["paths"], path


def test_signals_filtered_with_names_and_pages(client, seed_signals):
    r = client.get("/api/signals", params={"actor": "RUS", "type": "MOBILIZE,ASSAULT", "limit": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["items"] and all(s["type"] in ("MOBILIZE", "ASSAULT") for s in body["items"])
    assert body["names"]["RUS"] == "Russian Federation"  # pycountry, via alerts.names
    want = sum(s["type"] in ("MOBILIZE", "ASSAULT") and any(
        a["code"] == "RUS" for r in ("source", "target") for a in s["actors"][r]) for s in seed_signals)
    got = len(body["items"])
    cursor = body["next_cursor"]
    for _ in range(100):
        if not cursor:
            break
        page = client.get("/api/signals", params={"actor": "RUS", "type": ["MOBILIZE", "ASSAULT"],
                                                  "limit": 3, "cursor": cursor}).json()
        got += len(page["items"])
        cursor = page["next_cursor"]
    assert got == want


def test_bad_parameters_are_named(client):
    r = client.get("/api/signals", params={"min_severity": 9})
    assert r.status_code == 422 and "min_severity" in r.text
    r = client.get("/api/signals", params={"cursor": "nope"})
    assert r.status_code == 400 and "cursor" in r.json()["detail"]
    r = client.get("/api/signals", params={"since": "yesterday"})
    assert r.status_code == 422 and "since" in r.text


def test_one_signal_with_its_alerts_and_article(client, seed_alerts):
    a = next(x for x in seed_alerts if x["status"] == "deliver")
    sid = a["signals"][0]["signal_id"]
    body = client.get(f"/api/signals/{sid}").json()
    assert body["signal"]["signal_id"] == sid
    assert any(x["alert_id"] == a["alert_id"] for x in body["alerts"])
    art = client.get(f"/api/articles/{body['signal']['article_id']}").json()
    assert sid in [s["signal_id"] for s in art["signals"]]
    assert client.get("/api/signals/sig-nothing").status_code == 404


def test_event_with_its_articles_and_evidence(client, store, seed_events):
    store.ingest([event_rows(v) for v in seed_events])
    last = {v["event_id"]: v for v in seed_events}
    ev = max(last.values(), key=lambda v: (v["article_count"], v["event_id"]))
    body = client.get(f"/api/events/{ev['event_id']}").json()
    assert body["event"]["version"] == ev["version"]
    assert {a["id"] for a in body["articles"]} == {a["id"] for a in ev["articles"]}
    ids = [s["signal_id"] for s in body["signals"]]
    assert ev["representative"]["signal_id"] in ids
    assert all(s["type"] == ev["type"] for s in body["signals"])
    listed = client.get("/api/events", params={"type": ev["type"], "limit": 200}).json()["items"]
    assert ev["event_id"] in [e["event_id"] for e in listed]
    assert client.get("/api/events/ev-nothing").status_code == 404


def test_calendar_from_events_has_no_duplicate_entries(client, store, seed_events):
    store.ingest([event_rows(v) for v in seed_events])
    entries = client.get("/api/calendar").json()["entries"]
    geneva = [e for e in entries if e["date"] == "2025-01-10" and e["type"] == "CONSULT"]
    assert [e["kind"] for e in geneva] == ["event"]
    assert geneva[0]["status"] == "upcoming" and geneva[0]["place"] == "Geneva"
    from icalendar import Calendar

    cal = Calendar.from_ical(client.get("/api/calendar.ics").content)
    uids = [str(c["uid"]) for c in cal.walk("VEVENT")]
    assert f"{geneva[0]['event_id']}@escalert" in uids and len(uids) == len(set(uids))


def test_calendar_has_the_sample_meetings_in_json_and_ics(client):
    entries = client.get("/api/calendar").json()["entries"]
    days = {e["date"]: e for e in entries if e["type"] == "CONSULT"}
    for day, party in (("2025-01-10", "USA"), ("2025-01-12", "NATO"), ("2025-01-13", "OSCE")):
        assert day in days and party in days[day]["parties"], (day, sorted(days))
    assert days["2025-01-10"]["place"] == "Geneva"
    assert days["2025-01-10"]["status"] == "upcoming"  # NOW is 2025-01-05

    r = client.get("/api/calendar.ics")
    assert r.headers["content-type"].startswith("text/calendar")
    from icalendar import Calendar

    cal = Calendar.from_ical(r.content)
    starts = {c.decoded("dtstart").isoformat() for c in cal.walk("VEVENT")}
    assert {"2025-01-10", "2025-01-12", "2025-01-13"} <= starts
    assert client.get("/api/calendar.ics").content == r.content  # deterministic (UID, DTSTAMP)


def test_trajectory_of_a_dyad_and_a_country(client, seed_signals):
    body = client.get("/api/trajectory", params={"dyad": "RUS-UKR", "days": 366}).json()
    moved = [d for d in body["days"] if d["count"]]
    assert moved and sum(d["conflict"] for d in body["days"]) > 0
    assert body["end"] == max(d["date"] for d in moved)  # ends on the dyad's newest day by default
    want = sum(s["modality"] == "asserted" and any(a["code"] == "RUS" for a in s["actors"]["source"])
               and any(a["code"] == "UKR" for a in s["actors"]["target"])
               and body["start"] <= s["article"]["published_at"][:10] <= body["end"]
               for s in seed_signals)
    assert sum(d["count"] for d in body["days"]) == want
    assert body["names"]["UKR"] == "Ukraine"
    assert client.get("/api/trajectory", params={"country": "UKR"}).status_code == 200
    assert client.get("/api/trajectory").status_code == 400
    assert client.get("/api/trajectory", params={"dyad": "RUS"}).status_code == 422


def test_subscriptions_and_deliveries_show_no_secret(client, store, seed_alerts):
    a = max((x for x in seed_alerts if x["subscription"] == "local"), key=lambda x: x["created_at"])
    ledger = {"alert": None, "created_at": "2025-01-01T00:00:00+00:00",
              "updated_at": "2025-01-01T00:00:05+00:00",
              "targets": {t: {"state": "sent", "attempts": 1, "sent_at": "2025-01-01T00:00:05+00:00",
                              "error": None} for t in a["target_ids"]}}
    store.ingest([ledger_rows(json.dumps(a["alert_id"]), json.dumps(ledger))])
    subs = client.get("/api/subscriptions").json()["items"]
    assert [s["name"] for s in subs] == ["local", "ops-email", "rus-nato"]
    assert all(s["target_ids"] for s in subs)
    body = client.get("/api/subscriptions/local/deliveries").json()
    item = next(i for i in body["items"] if i["alert"]["alert_id"] == a["alert_id"])
    assert item["deliveries"][0]["state"] == "sent" and item["alert"]["matched"]
    text = _all_text(client, ["/api/subscriptions", "/api/subscriptions/ops-email/deliveries",
                              "/api/subscriptions/rus-nato/deliveries", "/api/openapi.json", "/"])
    assert SECRET not in text and "smtp.example.org" not in text
    assert client.get("/api/subscriptions/nobody/deliveries").status_code == 404


def test_why_names_the_filter_that_stopped_a_signal(client, seed_signals):
    low = next(s for s in seed_signals if s["type"] == "MOBILIZE" and s["severity"] < 4
               and s["modality"] == "asserted") if any(
        s["type"] == "MOBILIZE" and s["severity"] < 4 and s["modality"] == "asserted" for s in seed_signals) else None
    consult = next(s for s in seed_signals if s["type"] == "CONSULT")
    ans = client.get("/api/subscriptions/ops-email/why", params={"signal_id": consult["signal_id"]}).json()
    a = ans["answers"][0]
    assert not a["reached"] and "type CONSULT is not in [MOBILIZE, ASSAULT]" in a["verdict"]
    if low is not None:
        a = client.get("/api/subscriptions/ops-email/why", params={"signal_id": low["signal_id"]}).json()["answers"][0]
        assert f"severity {low['severity']} < 4" in a["verdict"]
    no_nato = next(s for s in seed_signals if s["modality"] == "asserted" and not any(
        a["code"] == "NATO" for r in ("source", "target") for a in s["actors"][r]))
    a = client.get("/api/subscriptions/rus-nato/why", params={"signal_id": no_nato["signal_id"]}).json()["answers"][0]
    assert "the filter wants any of [NATO]" in a["verdict"]


def test_why_says_sent_or_silenced_when_an_alert_exists(client, seed_alerts):
    a = next(x for x in seed_alerts if x["subscription"] == "local" and x["status"] == "deliver")
    ans = client.get("/api/subscriptions/local/why",
                     params={"signal_id": a["signals"][0]["signal_id"]}).json()["answers"][0]
    assert ans["reached"] and a["alert_id"] in ans["verdict"]


def test_silences_need_the_token_and_work_like_the_cli(client, seed_signals, tmp_path):
    body = {"matchers": {"subscriptions": ["rus-nato"], "actors": ["NATO"]}, "duration": "2h",
            "reason": "looking into it"}
    assert client.post("/api/silences", json=body).status_code == 401
    assert client.post("/api/silences", json=body,
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = client.post("/api/silences", json=body, headers=auth)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    listed = client.get("/api/silences").json()["items"]
    assert [s["id"] for s in listed] == [sid] and listed[0]["state"] == "active"
    # the store is the one `escalert silence` and the worker read
    from service.alerts.silences import SilenceStore

    assert [s.id for s in SilenceStore(tmp_path / "subs.silences.json").load()] == [sid]
    # why-not now names the silence for a matching signal without an alert
    nato = next(s for s in seed_signals if s["modality"] in ("asserted", "scheduled") and any(
        a["code"] == "NATO" for r in ("source", "target") for a in s["actors"][r]))
    ans = client.get("/api/subscriptions/rus-nato/why", params={"signal_id": nato["signal_id"]}).json()
    assert f"silence {sid}" in ans["answers"][0]["verdict"]

    assert client.post(f"/api/silences/{sid}/expire").status_code == 401
    r = client.post(f"/api/silences/{sid}/expire", headers=auth)
    assert r.status_code == 200
    assert client.get("/api/silences").json()["items"] == []
    assert client.get("/api/silences", params={"all": True}).json()["items"][0]["state"] == "expired"
    assert client.post("/api/silences/sil-none/expire", headers=auth).status_code == 404


@pytest.mark.parametrize("body,word", [
    ({"matchers": {}, "duration": "1h", "reason": "x"}, "at least one matcher"),
    ({"matchers": {"countries": ["Ukraine"]}, "duration": "1h", "reason": "x"}, "did you mean UKR"),
    ({"matchers": {"types": ["MOBILIZE"]}, "duration": "soon", "reason": "x"}, "duration"),
    ({"matchers": {"types": ["MOBILIZE"]}, "reason": "x"}, "exactly one of duration and ends_at"),
])
def test_a_bad_silence_is_refused_with_the_reason(client, body, word):
    r = client.post("/api/silences", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422 and word in r.text


def test_the_page_and_its_assets_are_served_from_the_process(client):
    page = client.get("/")
    assert page.status_code == 200 and "escalert desk" in page.text
    for asset in ("/static/desk.js", "/static/desk.css"):
        r = client.get(asset)
        assert r.status_code == 200
        text = r.text.replace('"http://www.w3.org/2000/svg"', "")  # the SVG namespace name
        assert "http://" not in text and "https://" not in text  # nothing fetched from elsewhere
    assert "<script src=\"http" not in page.text and "<link rel=\"stylesheet\" href=\"http" not in page.text


def test_trajectory_counts_a_story_once_when_events_are_stored(client, store, seed_events):
    store.ingest([event_rows(v) for v in seed_events])
    body = client.get("/api/trajectory", params={"dyad": "RUS-UKR", "days": 366}).json()
    assert body["basis"] == "events"
    last = {v["event_id"]: v for v in seed_events}.values()
    want = sum(v["modality"] == "asserted" and v["status"] == "active"
               and any(a["code"] == "RUS" for a in v["actors"]["source"])
               and any(a["code"] == "UKR" for a in v["actors"]["target"])
               and body["start"] <= v["first_seen"][:10] <= body["end"] for v in last)
    assert want and sum(d["count"] for d in body["days"]) == want
    assert all(s["event_id"] for d in body["days"] for s in d["signals"])


def test_a_live_reader_that_falls_behind_is_told_to_reload():
    import asyncio

    from service.desk.api import Hub

    hub = Hub()
    slow: asyncio.Queue = asyncio.Queue(2)
    fast: asyncio.Queue = asyncio.Queue(10)
    hub.queues |= {slow, fast}
    for i in range(3):
        hub._fan_out([{"kind": "signal", "doc": {"n": i}}])
    assert slow.qsize() == 1 and slow.get_nowait() is None  # reload, nothing stale before it
    assert slow not in hub.queues and fast.qsize() == 3


def _get_routes(app) -> list[str]:
    """Every GET path of the API, its path parameters filled in."""
    from fastapi.routing import APIRoute

    fill = {"{signal_id}": "sig-x", "{event_id}": "ev-x", "{alert_id}": "al-x",
            "{article_id}": "art-x", "{name}": "local"}
    out = []
    for r in app.routes:
        if isinstance(r, APIRoute) and "GET" in r.methods and r.path.startswith("/api/"):
            path = r.path
            for k, v in fill.items():
                path = path.replace(k, v)
            out.append(path)
    return out


@pytest.fixture
def private(store, seed_signals, tmp_path: Path):
    """The desk with ESCALERT_DESK_READS=token."""
    from service.alerts.silences import SilenceStore

    store.ingest([signal_rows(s) for s in seed_signals[:5]])
    ctx = DeskContext(store=store, token=TOKEN, reads_need_token=True, clock=lambda: NOW,
                      silences=SilenceStore(tmp_path / "s.silences.json"))
    with TestClient(create_app(ctx)) as c:
        yield c


def test_reads_can_need_the_token(private):
    paths = _get_routes(private.app)
    assert len(paths) >= 15 and "/api/signals" in paths and "/api/stream" in paths
    for path in paths:  # the stream too: refused before it opens
        r = private.get(path)
        assert r.status_code == 401, path
        assert "ESCALERT_DESK_READS" in r.json()["detail"] and TOKEN not in r.text
        for bad in ({"Authorization": "Bearer wrong"}, {"Authorization": "Bearer tést".encode("latin-1")},
                    {"Authorization": f"Basic {TOKEN}"}):
            assert private.get(path, headers=bad).status_code == 401, (path, bad)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    for path in paths:
        if path != "/api/stream":  # an open stream never ends
            assert private.get(path, headers=bearer).status_code != 401, path
    assert private.get("/api/signals", headers=bearer).json()["items"]
    # The page's session cookie (the live feed's EventSource cannot send a header) works for
    # reads, never for changes.
    private.cookies.set("escalert_desk_token", TOKEN)
    assert private.get("/api/signals").status_code == 200
    r = private.post("/api/silences", json={"matchers": {"types": ["ASSAULT"]}, "duration": "1h",
                                            "reason": "x"})
    assert r.status_code == 401
    private.cookies.clear()
    # The page (which asks for the token) and the API's description stay open.
    assert private.get("/").status_code == 200
    assert private.get("/static/desk.js").status_code == 200
    assert private.get("/api/openapi.json").status_code == 200


def test_reads_are_open_by_default_and_a_token_in_any_text_is_refused_not_a_crash(client):
    assert client.get("/api/signals").status_code == 200
    assert client.get("/api/health").status_code == 200
    r = client.post("/api/silences/sil-x/expire", headers={"Authorization": "Bearer tést".encode("latin-1")})
    assert r.status_code == 401


def test_deliveries_api_pages(client, seed_alerts):
    mine = {a["alert_id"] for a in seed_alerts if a["subscription"] == "local"}
    assert len(mine) > 3
    got, cursor = [], None
    for _ in range(len(mine)):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/subscriptions/local/deliveries", params=params).json()
        assert len(body["items"]) <= 2
        got += [i["alert"]["alert_id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert cursor is None and sorted(got) == sorted(mine)
    r = client.get("/api/subscriptions/local/deliveries", params={"cursor": "not-a-cursor"})
    assert r.status_code == 400 and "cursor" in r.json()["detail"]


@pytest.mark.parametrize("q", ['"unclosed', "!!!", "*"])
def test_text_that_is_no_search_is_a_400_naming_q(client, q):
    for path in ("/api/signals", "/api/events", "/api/alerts"):
        r = client.get(path, params={"q": q})
        assert r.status_code == 400 and r.json()["detail"].startswith("q: "), (path, r.text)


def test_phrase_and_prefix_search_through_the_api(client):
    got = client.get("/api/signals", params={"q": '"security guarantees"', "limit": 200}).json()["items"]
    assert got and all("security guarantees" in s["evidence"]["sentence"].lower()
                       or "security guarantees" in s["article"]["title"].lower() for s in got)
    pre = client.get("/api/alerts", params={"q": "mobili*", "limit": 200}).json()["items"]
    assert pre and all("mobili" in a["title"].lower() for a in pre)
