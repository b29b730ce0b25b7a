"""Health and metrics on Faust's own web server (``ESCALERT_WEB_HOST``:``ESCALERT_WEB_PORT``).

- ``GET /health/live``: 200 while the worker's event loop answers (a liveness probe restarts a
  hung process, nothing more).
- ``GET /health/ready``: 200 once partitions are assigned and table recovery has finished, 503
  during start-up, rebalances and while no broker answers (see lifecycle.py; a readiness probe
  keeps traffic and alarms off meanwhile). Its body also says whether the batch intake is on
  (``"batch_intake": "on"`` or ``"off: why"``, see intake.py), and for the event stage's agents
  (``"event_intakes": {"events-key": "on", ...}``).
- ``GET /metrics``: Prometheus text format (names in docs/stream.md, "Health and metrics").
"""

from __future__ import annotations

from typing import Any

import faust


def readiness(app: faust.App, parts: Any) -> tuple[bool, dict[str, Any]]:
    """Pure-ish view of the worker state: (ready, details)."""
    state = getattr(parts, "state", {})
    recovered = bool(state.get("recovered"))
    rebalancing = bool(getattr(app, "rebalancing", False))
    try:
        assigned = sorted(f"{tp.topic}[{tp.partition}]" for tp in app.consumer.assignment())
    except Exception:
        assigned = []
    broker = getattr(parts, "broker", None)
    reachable = broker is None or broker.up
    ready = recovered and not rebalancing and reachable
    details = {"ready": ready, "recovered": recovered, "rebalancing": rebalancing, "assigned": assigned}
    if broker is not None:
        details["broker"] = broker.health()
    intake = getattr(parts, "intake", None)
    if intake is not None:
        details["batch_intake"] = intake.state  # "on", or "off: why"
    events = getattr(app, "escalert_events", None)
    if events is not None:  # the event stage's agents: agent name -> "on", or "off: why"
        details["event_intakes"] = {name: i.state for name, i in sorted(events.intakes.items())}
    return ready, details


def refresh_metrics(parts: Any) -> None:
    """The gauges read at scrape time: consumer lag, batch intake on/off."""
    update = getattr(parts, "update_lag", None)
    if update is not None:
        update()
    intake = getattr(parts, "intake", None)
    if intake is not None:
        parts.metrics.batch_intake.set(1 if intake.state == "on" else 0)


PATHS = ("/health/live", "/health/ready", "/metrics")


def register(app: faust.App, parts: Any) -> None:
    parts.state = {"recovered": False}
    parts.pages = PATHS

    @app.on_rebalance_complete.connect
    async def _on_rebalance_complete(sender: Any, **kwargs: Any) -> None:
        parts.state["recovered"] = True

    @app.on_partitions_revoked.connect
    async def _on_revoked(sender: Any, revoked: Any = None, **kwargs: Any) -> None:
        parts.state["recovered"] = False

    @app.page("/health/live")
    async def live(web: Any, request: Any) -> Any:
        return web.json({"status": "alive"})

    @app.page("/health/ready")
    async def ready(web: Any, request: Any) -> Any:
        ok, details = readiness(app, parts)
        return web.json(details, status=200 if ok else 503)

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        refresh_metrics(parts)
        return web.bytes(parts.metrics.render(), content_type="text/plain; version=0.0.4")
