"""A real server process, for the tests and the benchmarks: started on a port, waited for
until /healthz answers, stopped (with any worker it left behind).

The one copy of server start-up: tests/conftest.py (`live_server`), the tests that kill a
server midway (they get its process) and bench/http_bench.py (which puts the repository on
sys.path to import it) all start their servers here. Nothing here needs pytest.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

NEWSDESK = [sys.executable, "-m", "app.cli"]


class ServerDidNotStart(RuntimeError):
    """The process exited, or did not answer /healthz in time; the message has its log."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server: its base URL, its process and where its output goes (if kept)."""

    base: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None:
            return "(its output was discarded)"
        with suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def _wait_ready(server: Server, timeout_s: float, ready: Callable[[Server], bool] | None) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        code = server.process.poll()
        if code is not None:
            raise ServerDidNotStart(f"the server exited with {code}:\n{server.log_tail()}")
        with suppress(httpx.TransportError):
            up = httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200
            if up and (ready is None or ready(server)):
                return
        if time.monotonic() > deadline:
            raise ServerDidNotStart(f"no answer in {timeout_s:.0f} s:\n{server.log_tail()}")
        time.sleep(0.1)


def stop(server: Server, timeout_s: float = 30) -> None:
    """SIGTERM and wait (SIGKILL after `timeout_s`); then kill what is left of its group."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
    with suppress(ProcessLookupError):  # a worker left behind by a crash or a SIGKILL
        os.killpg(server.process.pid, signal.SIGKILL)


@contextmanager
def serving(
    command: Sequence[str],
    *,
    port: int,
    env: dict[str, str],
    output: Path | None = None,
    timeout_s: float = 30,
    ready: Callable[[Server], bool] | None = None,
    cwd: Path | None = None,
) -> Iterator[Server]:
    """Run `command` (a server listening on `port`) until the block ends.

    With `output`, its stdout and stderr are appended to that file, else discarded;
    `ready`, if given, must also hold once /healthz answers (e.g. all workers are up)."""
    if output is None:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    else:
        with output.open("ab") as sink:
            process = subprocess.Popen(
                list(command), cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process, output)
    try:
        _wait_ready(server, timeout_s, ready)
        yield server
    finally:
        stop(server)


def newsdesk_serve(
    env: dict[str, str], *, output: Path | None = None, timeout_s: float = 30
) -> AbstractContextManager[Server]:
    """`newsdesk serve` (one worker) on a free port, with this environment."""
    port = free_port()
    return serving(
        [*NEWSDESK, "serve", "--port", str(port)],
        port=port,
        env=env,
        output=output,
        timeout_s=timeout_s,
    )


def create_article(
    client: httpx.Client, headers: dict[str, str], language: str, title: str, **fields: str
) -> httpx.Response:
    """POST a new article (one translation: `title`, `lead` and `body_html`, empty unless
    given) to a live server."""
    translation = {"title": title, "lead": "", "body_html": "", **fields}
    return client.post(
        "/v1/admin/articles",
        json={"original_language": language, "translations": {language: translation}},
        headers=headers,
    )


def fault_record(scenario: str, **figures: object) -> None:
    """One line of what a fault test saw, for `bench/faults` to table (shown with -s)."""
    print("FAULTS " + json.dumps({"scenario": scenario, **figures}, default=str), flush=True)


def worker_pids(server: Server) -> list[int]:
    """The pids of a `serve --workers N` server's workers (its children, spawned by
    uvicorn; not multiprocessing's resource tracker)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def wait_until(check: Callable[[], bool], within: float, what: str) -> float:
    """Seconds until `check()` holds, asked every 20 ms; fails after `within` seconds."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, f"{what}: not within {within} s"
        time.sleep(0.02)
    return time.monotonic() - started
