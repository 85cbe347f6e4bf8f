"""An upload killed midway, against a real server (`newsdesk serve` over TCP): the client
goes away in the middle of the body, or after the whole body while the renditions are
being made. Either way the media directory and the database must agree afterwards: no
row and no file (temporary ones included), or the row with every one of its files."""

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import api_key
from tests.live import newsdesk_serve
from tests.media import hostile, images


@dataclass
class Live:
    base: str
    pid: int
    media_dir: Path
    auth: dict[str, str]

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


@pytest.fixture
def live(cli_env: dict[str, str], tmp_path: Path) -> Iterator[Live]:
    media_dir = tmp_path / "media"
    env = {**cli_env, "NEWSDESK_MEDIA_DIR": str(media_dir)}
    key = api_key(env["NEWSDESK_DATABASE_URL"], "killer")  # in this process: no process start
    with newsdesk_serve(env, output=tmp_path / "server.log") as server:
        yield Live(server.base, server.process.pid, media_dir, {"Authorization": f"Bearer {key}"})


def files(media_dir: Path) -> list[str]:
    """Every file under the media directory (temporary ones included), as relative paths."""
    if not media_dir.is_dir():
        return []
    return sorted(p.relative_to(media_dir).as_posix() for p in media_dir.rglob("*") if p.is_file())


def deleted_open_files(pid: int) -> set[str]:
    """The server's open descriptors on files already unlinked (spooled uploads)."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith("(deleted)"):
            found.add(f"{fd.name}:{target}")
    return found


def raw_upload(
    live: Live,
    data: bytes,
    *,
    send: float,
    wait_answer: bool = False,
    before_close: Callable[[], None] | None = None,
) -> bytes:
    """POST a multipart upload of `data` over a bare socket, sending the fraction `send`
    of the body, then (after `before_close`) close the connection at once, with a reset.
    Returns what the server answered before that, if anything."""
    body, content_type = hostile.multipart([(b"file", b"big.jpg", b"image/jpeg", data)])
    head = (
        f"POST /v1/admin/media HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
        f"Authorization: {live.auth['Authorization']}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    part = body[: int(len(body) * send)]
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
        sock.sendall(head)
        for at in range(0, len(part), 256 * 1024):
            sock.sendall(part[at : at + 256 * 1024])
        answer = b""
        if wait_answer:
            sock.settimeout(0.3)
            with contextlib.suppress(TimeoutError):
                answer = sock.recv(65536)
        if before_close is not None:
            before_close()
        # SO_LINGER 0: close with a reset, as a killed client's kernel would.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    return answer


def listed(http: httpx.Client, live: Live) -> list[dict[str, object]]:
    r = http.get("/v1/admin/media", headers=live.auth)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return items


def test_killed_uploads_leave_nothing_or_everything(live: Live) -> None:
    """One server for both cases (starting one takes seconds)."""
    with httpx.Client(base_url=live.base, timeout=30) as http:
        killed_mid_body(live, http)
        client_gone_while_renditions_are_made(live, http)


def killed_mid_body(live: Live, http: httpx.Client) -> None:
    """Half of a 3 MB body, then a reset: no row, no file, no spooled copy kept open."""
    noisy = hostile.noise(2400, 1800, quality=85)  # past the 1 MiB a spool keeps in memory
    before = deleted_open_files(live.pid)

    def spooled_to_disk() -> None:  # else the check below would prove nothing
        deadline = time.monotonic() + 10
        while not deleted_open_files(live.pid) - before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert deleted_open_files(live.pid) - before, "the half body was never on disk"

    assert raw_upload(live, noisy, send=0.5, before_close=spooled_to_disk) == b""
    # The server must have seen the disconnect: wait until its spooled copy of the half
    # body is closed, then check (for a moment) that nothing appears.
    deadline = time.monotonic() + 10
    while deleted_open_files(live.pid) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert deleted_open_files(live.pid) - before == set(), "a spooled upload is still open"
    for _ in range(10):
        assert listed(http, live) == []
        assert files(live.media_dir) == []
        time.sleep(0.05)


def client_gone_while_renditions_are_made(live: Live, http: httpx.Client) -> None:
    """A 4000×3000 photo (its renditions take seconds), the whole body sent, the client
    gone before the answer. Nothing cancels a request whose body is read, so the server
    finishes the upload and commits it: the row with every one of its files (no temporary
    file beside them), never a row without its files or files without a row."""
    answer = raw_upload(live, images.photo(4000, 3000), send=1.0, wait_answer=True)
    assert answer == b"", "the answer came before the client left: no window was tested"
    deadline = time.monotonic() + 60
    while not listed(http, live) and time.monotonic() < deadline:
        time.sleep(0.2)
    items = listed(http, live)
    # What happens, every run on both databases: the upload completes and is committed.
    assert items, "the upload was dropped (allowed, but not what this server does)"
    (media,) = items
    renditions = media["renditions"]
    assert isinstance(renditions, list)
    keys = sorted({str(x["url"]).split("/media/", 1)[1] for x in renditions})
    assert files(live.media_dir) == keys, "the record's files differ from the directory's"
    assert len(keys) >= 20  # every width of the whole picture and of its three crops
