"""A real webhook receiver for the tests and the benchmarks: an HTTP server in a thread
that records every POST (headers, body, arrival time) and answers as told by its path:
`/ok` 200 (optionally after `delay`), `/fail` 500, `/slow-fail` 500 after `delay`, `/hang`
never (until stopped),
`/redirect?to=URL` 302. Nothing here needs pytest."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() on arrival


@dataclass
class Receiver:
    port: int
    delay: float = 0.0
    seen: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    stopping: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(
        self, count: int, timeout: float = 20.0, path: str | None = None
    ) -> list[Received]:
        """Block until `count` requests (to `path`, if given) arrived; all of them."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                got = [r for r in self.seen if path is None or r.path.startswith(path)]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(got)} of {count} deliveries after {timeout} s")
                self.arrived.wait(left)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if len(body) < length:  # the sender died mid-request: nothing was delivered
            return
        with receiver.arrived:
            receiver.seen.append(
                Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                )
            )
            receiver.arrived.notify_all()
        path = urlsplit(self.path)
        try:
            if path.path == "/hang":
                receiver.stopping.wait(30)
                return
            if path.path == "/fail":
                self._answer(500, b"failing on purpose")
            elif path.path == "/slow-fail":
                time.sleep(receiver.delay)
                self._answer(500, b"failing slowly on purpose")
            elif path.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", parse_qs(path.query)["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                if receiver.delay:
                    time.sleep(receiver.delay)
                self._answer(200, b"ok")
        except OSError:
            pass  # the sender hung up

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on a free port of 127.0.0.1 until the block ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    receiver = Receiver(port=server.server_address[1])
    server.receiver = receiver
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
