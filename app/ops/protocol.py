"""The HTTP/1.1 protocol `newsdesk serve` runs: uvicorn's httptools protocol with the
limits uvicorn lacks.

uvicorn bounds only the idle time *after* a response (`timeout_keep_alive`); a connection
that sends nothing, or a request head one byte at a time (slowloris), or half a body, is
kept forever, and httptools accepts request heads of any size (a 1 MB header was read
and buffered in full). This protocol adds, per connection:

- a head deadline: the request line and headers must arrive within
  `NEWSDESK_SERVER_HEADER_TIMEOUT` seconds of the connection opening, or of the first
  byte of a later request on a kept-alive connection (the wait between requests is
  uvicorn's `timeout_keep_alive`); else 408, or a plain close when nothing came — as
  nginx's `client_header_timeout`;
- a body idle timeout: at most `NEWSDESK_SERVER_BODY_TIMEOUT` seconds between two reads of
  a request body (nginx's `client_body_timeout`); the application sees a disconnect;
- a head size limit: a request line plus headers over `NEWSDESK_SERVER_MAX_HEADER_BYTES`
  answers 431 and the connection is closed (also when the head is still incomplete, so
  httptools never buffers more than the limit and one read).

Refusals are problem+json with `Connection: close`, as the application's own errors.
"""

import asyncio
import json
from functools import lru_cache
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.config import get_settings


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head over the limit."""


@lru_cache
def _limits() -> tuple[float, float, int]:
    # Read in each worker process (uvicorn spawns them; class attributes would not travel).
    settings = get_settings()
    return (
        settings.server_header_timeout,
        settings.server_body_timeout,
        settings.server_max_header_bytes,
    )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's protocol (`--http httptools`) with the deadlines and limit above."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout, self.body_timeout, self.max_header_bytes = _limits()
        self._reading_head = True
        self._head_bytes = 0  # bytes read while the head is incomplete (a coarse bound)
        self._head_size = 0  # request line and header fields parsed so far (exact)
        self._timer: asyncio.TimerHandle | None = None

    # Timers ------------------------------------------------------------------------------

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if not self._idle():  # a pipelined head waits for the response before it
            self._arm(self.header_timeout, self._head_timed_out)
            return
        if self._head_bytes:
            self._refuse(408, "Request Timeout", "The request head did not arrive in time.")
        else:
            self.transport.close()

    def _body_timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:  # the application is behind, not the client
            self._arm(self.body_timeout, self._body_timed_out)
            return
        # The application's receive() reports a disconnect; a 408 goes out first if no
        # response has started.
        self._refuse(408, "Request Timeout", "The request body stopped arriving.")

    def _idle(self) -> bool:
        """No response of this connection is under way."""
        return self.cycle is None or self.cycle.response_complete

    def _refuse(self, status: int, title: str, detail: str) -> None:
        self._disarm()
        if self._idle() or not self.cycle.response_started:  # no response half-written
            problem = {"type": "/problems/" + title.lower().replace(" ", "-"), "title": title,
                       "status": status, "detail": detail}  # fmt: skip
            body = json.dumps(problem).encode()
            head = [f"HTTP/1.1 {status} {title}\r\n".encode("ascii")]
            head += [n + b": " + v + b"\r\n" for n, v in self.server_state.default_headers]
            head.append(
                b"content-type: application/problem+json\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
            )
            self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _too_large(self) -> None:
        self._refuse(
            431,
            "Request Header Fields Too Large",
            f"The request line and headers are over {self.max_header_bytes} bytes.",
        )

    # uvicorn's protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # A new connection has this long for its first head; between requests uvicorn's
        # keep-alive timeout governs, and the deadline starts at the next head's first byte.
        self._arm(self.header_timeout, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # uvicorn's, with the head size checks (its 400 and upgrade handling kept).
        self._unset_keepalive_if_required()
        if self._reading_head:
            if self._timer is None:  # the first byte of a head after a keep-alive wait
                self._arm(self.header_timeout, self._head_timed_out)
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._too_large()
            else:
                self._invalid()
        except httptools.HttpParserError:
            self._invalid()
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self._disarm()
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        else:
            # Still in the head after all of this read: everything counted is head.
            if self._reading_head and self._head_bytes > self.max_header_bytes:
                self._too_large()

    def _invalid(self) -> None:
        msg = "Invalid HTTP request received."
        self.logger.warning(msg)
        self._disarm()
        self.send_400_response(msg)

    def _count(self, size: int) -> None:
        self._head_size += size
        if self._head_size > self.max_header_bytes:
            raise _HeadTooLarge

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()
        # A body may follow: bound the wait for each of its reads (until message complete).
        self._arm(self.body_timeout, self._body_timed_out)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        if self._timer is not None:
            self._arm(self.body_timeout, self._body_timed_out)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()
        # A pipelined head may follow in this same read: it is counted from here.
        self._reading_head = True
        self._head_bytes = self._head_size = 0
