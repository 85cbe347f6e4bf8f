"""Logs: one line per request, and the process's own records, as JSON lines (or as text a
person reads, on a terminal).

The request log replaces uvicorn's access log. Its line says when, the request id, the
method, the route's template (never the path: a preview link's path is its secret, and a
query may be anything), the status, the duration and who called (`api_key:<id>` or
`user:<id>`, never a credential). It is written by the middleware that times the request
(`app.ops.observe`), not through `logging`: a record there costs more than the cached
read it would describe (uvicorn's access log took ~15 % of that path's rate). Lines are
kept in memory and written together at most `FLUSH_SECONDS` later, in writes of at most
`PIPE_BUF` bytes made of whole lines, so the lines of several workers sharing one pipe
never interleave; a process killed with SIGKILL loses at most that last quarter second.

The process's own records (`logging`: uvicorn's, the app's) get `JsonFormatter` in JSON
mode, with the request id a record is given (`extra={"request_id": ...}`: an unhandled
error's record is).

stdlib `logging` with a formatter of its own rather than structlog: the one structured
line that matters for speed bypasses logging altogether, and the rest need no processor
chains or bound loggers, only a JSON rendering of a record.
"""

import asyncio
import json
import logging
import os
import time
import traceback
from typing import Any

FLUSH_SECONDS = 0.25
PIPE_BUF = 4096  # POSIX: a write to a pipe up to this size is never interleaved
_MOST = 64 * 1024  # buffered bytes that make a flush at once


def json_mode(log_format: str) -> bool:
    """`auto`: JSON unless standard error is a terminal."""
    if log_format == "auto":
        return not os.isatty(2)
    return log_format == "json"


class _Clock:
    """ISO 8601 UTC times with milliseconds, the seconds formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def now(self) -> str:
        moment = time.time()
        second = int(moment)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{int((moment - second) * 1000):03d}Z"


class RequestLog:
    """The request lines of one worker, buffered."""

    def __init__(self, *, as_json: bool, fd: int = 2) -> None:
        self.as_json = as_json
        self.fd = fd
        self.lines: list[str] = []
        self.size = 0
        self._clock = _Clock()

    def request(
        self,
        state: dict[str, Any],
        method: str,
        route: str,
        status: int,
        seconds: float,
    ) -> None:
        # The id has no `"` or `\\` (`app.ops.observe`), routes are the code's templates
        # and principals `kind:uuid`: each goes between quotes as it is.
        request_id = state.get("request_id") or ""
        principal = state.get("principal")
        if self.as_json:
            line = (
                f'{{"time":"{self._clock.now()}","level":"info","event":"request",'
                f'"request_id":"{request_id}","method":"{method}",'
                f'"route":"{route}","status":{status},'
                f'"duration_ms":{seconds * 1000:.3f}'
                + (f',"principal":"{principal}"' if principal else "")
                + "}\n"
            )
        else:
            line = (
                f"{self._clock.now()[11:23]} {method} {route} {status} "
                f"{seconds * 1000:.1f} ms {request_id}"
                + (f" {principal}" if principal else "")
                + "\n"
            )
        self.lines.append(line)
        self.size += len(line)
        if self.size >= _MOST:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        data = "".join(self.lines).encode("utf-8", "replace")
        self.lines, self.size = [], 0
        while data:  # writes of whole lines, each at most PIPE_BUF bytes (or one line)
            cut = len(data)
            if cut > PIPE_BUF:
                cut = data.rfind(b"\n", 0, PIPE_BUF) + 1 or data.find(b"\n") + 1 or len(data)
            self._write(data[:cut])
            data = data[cut:]

    def _write(self, data: bytes) -> None:
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError:  # a closed or full stream: the log is not worth a failed request
            pass

    async def flush_every(self, seconds: float = FLUSH_SECONDS) -> None:
        try:
            while True:
                await asyncio.sleep(seconds)
                self.flush()
        finally:
            self.flush()


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message (and its exception),
    and the request id it was given."""

    def __init__(self) -> None:
        super().__init__()
        self._clock = _Clock()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._clock.now(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)  # `extra={"request_id": ...}`
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")


def logging_config(log_level: str, *, as_json: bool) -> dict[str, Any]:
    """The process's logging (uvicorn's `log_config`): every record to standard error, as
    JSON lines or as text; uvicorn's access log off (the request log replaces it)."""
    formatter = f"{__name__}.{'JsonFormatter' if as_json else 'TextFormatter'}"
    level = log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            # Libraries at warning (SQLAlchemy's pool tells every invalidation at info).
            "": {"handlers": ["default"], "level": "WARNING"},
            "newsdesk": {"level": level},
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def configure(log_level: str, *, as_json: bool) -> None:
    """For a command that is not a server (`newsdesk worker`): the same logging."""
    import logging.config

    logging.config.dictConfig(logging_config(log_level, as_json=as_json))
