"""The webhook sender against real receivers: HTTP servers on 127.0.0.1 (and ::1, and a TLS
one) in threads of the test process, behaving well or badly on purpose."""

import ipaddress
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from app.webhooks.sender import AddressPolicy, Outcome, Refused, check_url, deliver, make_client

pytestmark = pytest.mark.anyio

BIG = 10 * 1024 * 1024


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A receiver's address and what it got."""

    host: str
    port: int
    seen: list[Seen] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)
    redirect_to: str = ""

    def url(self, path: str, *, scheme: str = "http", host: str | None = None) -> str:
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{scheme}://{name}:{self.port}{path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver
    stopping: threading.Event


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver, stopping = self.server.receiver, self.server.stopping
        receiver.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        try:
            if self.path == "/hang":
                stopping.wait(10)
            elif self.path == "/drip":
                self._head(200, 1_000_000)
                while not stopping.wait(0.1):
                    self.wfile.write(b".")
                    self.wfile.flush()
            elif self.path == "/big":
                self._head(200, BIG)
                chunk = b"x" * 65536
                for _ in range(BIG // len(chunk)):
                    if stopping.is_set():
                        break
                    self.wfile.write(chunk)
            elif self.path == "/fail":
                self._answer(500, b"boom\n\x00<secret>" + b"y" * 5000)
            elif self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._answer(200, b"thanks")
        except OSError:
            pass  # the sender hung up, as it should

    def _head(self, status: int, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _answer(self, status: int, body: bytes) -> None:
        self._head(status, len(body))
        self.wfile.write(body)


@pytest.fixture(scope="module")
def stopping() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def _serve(
    server_class: type[_Server], host: str, stopping: threading.Event, tls: ssl.SSLContext | None
) -> Iterator[Receiver]:
    server = server_class((host, 0), _Handler)
    receiver = Receiver(host, server.server_address[1])
    server.receiver, server.stopping = receiver, stopping
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: receiver.sni.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def receiver(stopping: threading.Event) -> Iterator[Receiver]:
    yield from _serve(_Server, "127.0.0.1", stopping, None)


@pytest.fixture
def other(stopping: threading.Event) -> Iterator[Receiver]:
    yield from _serve(_Server, "127.0.0.1", stopping, None)


@pytest.fixture
def receiver6(stopping: threading.Event) -> Iterator[Receiver]:
    try:
        yield from _serve(_Server6, "::1", stopping, None)
    except OSError:
        pytest.skip("no IPv6 loopback here")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for the name `localhost` only (no IP address in it)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(stopping: threading.Event, certificate: tuple[Path, Path]) -> Iterator[Receiver]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    yield from _serve(_Server, "127.0.0.1", stopping, context)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as c:
        yield c


async def send(
    client: httpx.AsyncClient,
    url: str,
    *,
    allow: tuple[str, ...] = ("127.0.0.1",),
    seconds: float = 5.0,
    body: bytes = b'{"event": "article.published"}',
    headers: dict[str, str] | None = None,
) -> Outcome:
    return await deliver(
        client, url, body, headers or {}, policy=AddressPolicy(allow), timeout=seconds,
        max_response_bytes=64 * 1024,
    )  # fmt: skip


# -- check_url --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/hook", "http"),
        ("https://user:pass@example.com/hook", "password"),
        ("https://user@example.com/hook", "password"),
        ("http:///hook", "host"),
        ("https://example.com/hook#part", "fragment"),
        ("https://example.com/" + "a" * 2000, "longer"),
        ("https://exa mple.com/", "spaces"),
        ("not a url", "spaces"),
        ("http://127.0.0.1/", "not a public"),
        ("http://127.1:8080/", "not a public"),
        ("http://2130706433/", "not a public"),
        ("http://10.0.0.1/", "not a public"),
        ("http://169.254.169.254/latest/meta-data/", "not a public"),
        ("http://[::1]/", "not a public"),
        ("http://[::ffff:127.0.0.1]/", "not a public"),
        ("http://[64:ff9b::a00:1]/", "not a public"),
        ("http://100.64.0.1/", "not a public"),
        ("http://0.0.0.0/", "not a public"),
        ("http://[fd00::1]/", "not a public"),
    ],
)
def test_check_url_refuses(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_url(url, allow=[])


@pytest.mark.parametrize(
    ("url", "allow", "expected"),
    [
        ("HTTPS://Example.COM/hook?a=1", [], "https://example.com/hook?a=1"),
        ("http://8.8.8.8:8080/x", [], "http://8.8.8.8:8080/x"),
        ("https://Bücher.example/x", [], "https://xn--bcher-kva.example/x"),
        ("http://localhost:8000/x", [], "http://localhost:8000/x"),  # names: checked when sent
        ("http://127.0.0.1:9/x", ["127.0.0.1"], "http://127.0.0.1:9/x"),
        ("http://127.1:9/x", ["127.0.0.0/8"], "http://127.0.0.1:9/x"),
        ("http://[::1]:9/x", ["::1"], "http://[::1]:9/x"),
    ],
)
def test_check_url_accepts_and_normalises(url: str, allow: list[str], expected: str) -> None:
    assert check_url(url, allow=allow) == expected


# -- the address policy -----------------------------------------------------------------

NOT_PUBLIC = [
    "0.0.0.0",  # noqa: S104 - a case here, nothing binds to it
    "127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1",
    "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
    "64:ff9b::7f00:1", "64:ff9b:1::1", "2002:a00:1::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe",
]  # fmt: skip


@pytest.mark.parametrize("literal", NOT_PUBLIC)
async def test_resolve_refuses_addresses_that_are_not_public(literal: str) -> None:
    with pytest.raises(Refused, match="not a public address"):
        await AddressPolicy([]).resolve(literal, 443)


@pytest.mark.parametrize("literal", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
async def test_resolve_lets_public_addresses_through(literal: str) -> None:
    assert await AddressPolicy([]).resolve(literal, 443) == [ipaddress.ip_address(literal)]


async def test_resolve_checks_what_a_name_resolves_to() -> None:
    with pytest.raises(Refused, match="localhost resolves to"):
        await AddressPolicy([]).resolve("localhost", 80)
    assert ipaddress.ip_address("127.0.0.1") in await AddressPolicy(["localhost"]).resolve(
        "localhost", 80
    )
    with pytest.raises(Refused, match="could not resolve"):
        await AddressPolicy([]).resolve("no-such-host.invalid", 80)


@pytest.mark.parametrize(
    ("allow", "literal"),
    [
        (["127.0.0.0/8"], "127.0.0.2"),
        (["10.1.2.3"], "10.1.2.3"),
        (["fd00::/8"], "fd00::1"),
        (["127.0.0.1"], "::ffff:127.0.0.1"),
    ],
)
async def test_resolve_allows_listed_addresses_and_networks(allow: list[str], literal: str) -> None:
    assert await AddressPolicy(allow).resolve(literal, 80) == [ipaddress.ip_address(literal)]
    with pytest.raises(Refused):
        await AddressPolicy(allow).resolve("10.9.9.9", 80)


# -- deliveries -------------------------------------------------------------------------


async def test_loopback_is_refused_unless_allowed(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    refused = await send(client, receiver.url("/ok"), allow=())
    assert refused.status_code is None and not refused.ok
    assert refused.error is not None and "not a public address" in refused.error
    assert receiver.seen == []

    for allow in (("127.0.0.1",), ("127.0.0.0/8",), ("localhost",)):
        host = "localhost" if allow == ("localhost",) else None
        outcome = await send(client, receiver.url("/ok", host=host), allow=allow)
        assert outcome.ok and outcome.status_code == 200 and outcome.error is None, allow
    assert len(receiver.seen) == 3

    named = await send(client, receiver.url("/ok", host="localhost"), allow=("127.0.0.1",))
    assert named.ok  # the name resolves to an allowed address


async def test_body_and_headers_arrive_intact(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    body = '{"title": "Київ ✓", "n": 1}'.encode()
    outcome = await send(
        client, receiver.url("/ok?x=1", host="localhost"), allow=("localhost",), body=body,
        headers={"Webhook-Id": "msg_1", "Webhook-Signature": "v1,abc=", "Host": "evil.test"},
    )  # fmt: skip
    assert outcome.ok
    [seen] = receiver.seen
    assert seen.path == "/ok?x=1" and seen.body == body
    assert seen.headers["webhook-id"] == "msg_1"
    assert seen.headers["webhook-signature"] == "v1,abc="
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["user-agent"] == "Newsdesk-Webhooks/1"
    assert seen.headers["host"] == f"localhost:{receiver.port}"  # the name, not the address
    assert "cookie" not in seen.headers

    custom = await send(
        client, receiver.url("/ok"), headers={"Content-Type": "application/cloudevents+json"}
    )
    assert custom.ok
    assert receiver.seen[-1].headers["content-type"] == "application/cloudevents+json"


async def test_ipv6_receiver(client: httpx.AsyncClient, receiver6: Receiver) -> None:
    assert not (await send(client, receiver6.url("/ok"), allow=())).ok
    outcome = await send(client, receiver6.url("/ok"), allow=("::1",))
    assert outcome.ok, outcome.error
    assert receiver6.seen[0].headers["host"] == f"[::1]:{receiver6.port}"


async def test_an_error_status_fails_with_a_short_clean_message(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    outcome = await send(client, receiver.url("/fail"))
    assert outcome.status_code == 500 and not outcome.ok
    assert outcome.error is not None and outcome.error.startswith("HTTP 500: boom")
    assert len(outcome.error) <= 220 and "\n" not in outcome.error and "\x00" not in outcome.error


async def test_a_redirect_is_not_followed(
    client: httpx.AsyncClient, receiver: Receiver, other: Receiver
) -> None:
    receiver.redirect_to = other.url("/ok")
    outcome = await send(client, receiver.url("/redirect"))
    assert outcome.status_code == 302 and not outcome.ok
    assert outcome.error == "redirect not followed (to 127.0.0.1)"
    assert other.seen == []


async def test_a_receiver_that_hangs_is_cut_at_the_timeout(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    started = time.monotonic()
    outcome = await send(client, receiver.url("/hang"), seconds=0.5)
    assert time.monotonic() - started < 0.5 + 2
    assert outcome.status_code is None and not outcome.ok
    assert outcome.error is not None and "timed out" in outcome.error
    assert outcome.duration_ms < 2500


async def test_a_receiver_that_drips_is_cut_at_the_timeout(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    started = time.monotonic()
    outcome = await send(client, receiver.url("/drip"), seconds=0.5)
    assert time.monotonic() - started < 0.5 + 2
    assert outcome.status_code is None and outcome.error is not None
    assert "timed out" in outcome.error


async def test_a_huge_body_is_read_only_in_part(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    started = time.monotonic()
    outcome = await send(client, receiver.url("/big"), seconds=5)
    assert outcome.ok and outcome.status_code == 200
    assert time.monotonic() - started < 5 + 2


async def test_connection_failures_are_outcomes(client: httpx.AsyncClient) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    outcome = await send(client, f"http://127.0.0.1:{closed_port}/")
    assert outcome.status_code is None and outcome.error is not None
    assert outcome.error.startswith("could not connect")

    unresolvable = await send(client, "http://no-such-host.invalid/")
    assert unresolvable.error is not None and unresolvable.error.startswith("could not resolve")

    for bad in ("ftp://example.com/", "http:///x", "not a url"):
        assert (await send(client, bad)).error is not None


async def test_tls_checks_the_name_on_a_pinned_address(
    receiver: Receiver, tls_receiver: Receiver, certificate: tuple[Path, Path]
) -> None:
    cert, _ = certificate
    trusting = ssl.create_default_context(cafile=str(cert))
    async with httpx.AsyncClient(verify=trusting, trust_env=False) as client:
        outcome = await send(
            client, tls_receiver.url("/ok", scheme="https", host="localhost"), allow=("localhost",)
        )
        assert outcome.ok, outcome.error
        assert tls_receiver.sni == ["localhost"]
        assert tls_receiver.seen[0].headers["host"] == f"localhost:{tls_receiver.port}"

        # The certificate names localhost, not 127.0.0.1: by address it does not verify.
        by_address = await send(client, tls_receiver.url("/ok", scheme="https"))
        assert by_address.status_code is None and by_address.error is not None
        assert "certificate" in by_address.error.lower()

    async with make_client() as untrusting:  # a self-signed certificate is not trusted
        refused = await send(
            untrusting, tls_receiver.url("/ok", scheme="https", host="localhost"),
            allow=("localhost",),
        )  # fmt: skip
        assert refused.status_code is None and refused.error is not None
        assert "certificate" in refused.error.lower()
