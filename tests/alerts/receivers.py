"""Real receivers on loopback for delivery tests: an SMTP server and a scriptable HTTP server.

Both run in their own threads, so the same receiver serves a test's event loop (Apprise sends
from its worker threads) or a worker subprocess in the Kafka integration test. They bind to
127.0.0.1 only.

- :class:`SmtpReceiver` is aiosmtpd's ``Controller`` with a handler that keeps each message
  (envelope and parsed ``email.message.EmailMessage``).
- :class:`HttpReceiver` records every request (method, path, headers, body, JSON) and answers
  from a script: ``receiver.script("/hook", (429, {"Retry-After": "1"}), (200, {}))`` makes the
  next two requests to ``/hook`` get 429 then 200; when the script is empty, ``default_status``
  (200) is used (set it to 500 for a target that keeps failing).
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (bounded, for tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class HttpReceiver:
    """A loopback HTTP server that records requests and answers from a per-path script."""

    host: str = "127.0.0.1"
    default_status: int = 200
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._scripts: dict[str, deque[tuple[int, dict[str, str]]]] = defaultdict(deque)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                status, headers = receiver._next(path)
                with receiver._lock:
                    receiver.requests.append(
                        Recorded(self.command, self.path, dict(self.headers.items()), body, status)
                    )
                payload = b'{"ok": true}' if status < 300 else b'{"error": "scripted failure"}'
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_GET = do_PUT = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _next(self, path: str) -> tuple[int, dict[str, str]]:
        with self._lock:
            q = self._scripts.get(path)
            if q:
                return q.popleft()
            return self.default_status, {}

    def script(self, path: str, *responses: tuple[int, dict[str, str]]) -> None:
        with self._lock:
            self._scripts[path].extend(responses)

    def clear_script(self, path: str) -> None:
        with self._lock:
            self._scripts.pop(path, None)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def received(self, path: str | None = None, ok_only: bool = False) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (path is None or r.path.split("?", 1)[0] == path)
                and (not ok_only or r.status < 300)
            ]

    def start(self) -> HttpReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HttpReceiver:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class _SmtpHandler:
    def __init__(self, sink: list[dict[str, Any]], lock: threading.Lock) -> None:
        self.sink = sink
        self.lock = lock

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.sink.append(
                {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message}
            )
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1 (no TLS, no auth); ``messages`` holds what it received."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(
            _SmtpHandler(self.messages, self._lock), hostname="127.0.0.1", port=self.port
        )

    def start(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpReceiver:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
