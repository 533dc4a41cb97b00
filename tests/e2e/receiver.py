"""A webhook receiver for the tests: a plain HTTP server on 127.0.0.1 that records every request
exactly as it arrived (headers and raw body bytes) and answers as the test says, per path.

    receiver.url("/hooks/pms")           # http://127.0.0.1:<port>/hooks/pms
    receiver.answer("/gone", 410)        # this path answers 410 from now on (default: 200)
    receiver.answer("/moved", 301, headers={"Location": receiver.url("/elsewhere")})
    receiver.answer("/slow", 200, delay=3)
    receiver.wait_for(lambda r: r.path == "/hooks/pms")   # -> the first matching Received
    receiver.received("/gone")           # what that path got so far, oldest first

Only the standard library: http.server in a thread (ThreadingHTTPServer, so a slow answer does
not hold up the others), HTTP/1.1 with keep-alive, since the delivery worker reuses connections.
"""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Callable, Mapping

from harness import TIMEOUT, poll


@dataclass
class Received:
    method: str
    path: str
    # Case-insensitive, as a receiving framework would give them (`headers.get("X-Webhook-Signature")`).
    headers: Message
    body: bytes
    at: float = field(default_factory=time.time)

    def header_dict(self) -> dict[str, str]:
        """The headers as a plain dict (names lower-case; a repeated header keeps its first value)."""
        out: dict[str, str] = {}
        for name, value in self.headers.items():
            out.setdefault(name.lower(), value)
        return out

    def header_values(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    def describe(self) -> str:
        headers = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path} [{headers}] {self.body[:300]!r}"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[Received] = []
        self._answers: dict[str, Answer] = {}
        self._default = Answer()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                receiver._handle(self)

            do_PUT = do_POST  # noqa: N815
            do_GET = do_POST  # noqa: N815

            def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver",
                                        daemon=True)
        self._thread.start()

    # ---- configuring

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, status: int = 200, *, body: bytes | str = b"ok",
               headers: Mapping[str, str] | None = None, delay: float = 0.0) -> None:
        """How requests to `path` are answered from now on."""
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._answers[path] = Answer(status, data, dict(headers or {}), delay)

    # ---- reading

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def wait_for(self, match: Callable[[Received], bool], timeout: float = TIMEOUT,
                 what: str = "a matching request") -> Received:
        """The first request matching `match`, waiting up to `timeout` seconds for it."""
        try:
            return poll(lambda: next((r for r in self.received() if match(r)), None),
                        timeout=timeout, message=f"the receiver to get {what}")
        except Exception as err:
            raise AssertionError(f"{err}\nThe receiver got:\n{self.describe()}") from None

    def wait_count(self, path: str, count: int, timeout: float = TIMEOUT) -> list[Received]:
        """Waits until `path` got at least `count` requests; returns them."""
        try:
            poll(lambda: len(self.received(path)) >= count, timeout=timeout,
                 message=f"{count} request(s) to {path}")
        except Exception as err:
            raise AssertionError(f"{err}\nThe receiver got:\n{self.describe()}") from None
        return self.received(path)

    def describe(self) -> str:
        seen = self.received()
        return "\n".join(r.describe() for r in seen) if seen else "(nothing)"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # ---- serving

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        body = self._read_body(handler)
        path = handler.path
        received = Received(handler.command, path, handler.headers, body)
        with self._lock:
            self._requests.append(received)
            answer = self._answers.get(path, self._default)
        if answer.delay:
            time.sleep(answer.delay)
        try:
            handler.send_response(answer.status)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(answer.body)))
            handler.end_headers()
            handler.wfile.write(answer.body)
        except OSError:
            pass  # the sender gave up waiting (a timeout test): nothing to answer to

    @staticmethod
    def _read_body(handler: http.server.BaseHTTPRequestHandler) -> bytes:
        if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""
