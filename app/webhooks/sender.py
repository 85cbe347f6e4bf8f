"""One webhook delivery over HTTP: the subscriber's URL checked, the POST sent, its outcome.

Threat model: a subscriber chooses the URL, so a delivery is a request our server makes
to wherever an admin (or someone who got an admin key) points it — server-side request
forgery. What this module holds against:

- Private targets: a URL naming a non-public address (loopback, private, link-local such
  as the 169.254.169.254 cloud metadata service, CGNAT, multicast, reserved, IPv4 hidden in
  IPv6 forms) is refused when registered; host names are resolved at delivery, and the
  delivery is refused when ANY address they resolve to is not public. `webhook_allow_hosts`
  names the exceptions (a receiver on the private network, tests).
- DNS rebinding: the connection goes to the address that was checked (pinned), never to a
  second lookup; the original name is still the `Host` header, the TLS SNI and the name
  the certificate must match.
- Redirects are never followed (a public receiver could bounce us inward): a 3xx fails.
- Slow receivers: one deadline bounds the whole exchange, including a body dripped byte by
  byte. Huge responses: at most `max_response_bytes` are read, compressed bodies are not
  asked for and never inflated.
- Errors carry no secrets and at most 200 sanitised characters of what the receiver said.
"""

import ipaddress
import re
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import anyio
import httpx

USER_AGENT = "Newsdesk-Webhooks/1"
MAX_URL_LENGTH = 2000
_SNIPPET = 200
# Headers the sender sets itself: the caller's would break the framing or the pinning.
_FRAMING = frozenset({"host", "content-length", "transfer-encoding", "connection"})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class Refused(Exception):
    """A delivery that must not be attempted; the message is safe to show an admin."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo):
    packets to it may well reach them."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def is_public(address: Address) -> bool:
    """Whether an address is one the public internet routes to (and nothing else)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL or address.is_site_local:
            return False
        embedded = _embedded_ipv4(address)
        if embedded:
            return all(is_public(inner) for inner in embedded)
    elif address in _CGNAT:
        return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _literal_address(host: str) -> Address | None:
    """The address a host written as an IP literal names — also the shorthand IPv4 forms
    the resolver accepts (`127.1`, `2130706433`, `0x7f.1`) — or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


class AddressPolicy:
    """The addresses deliveries may reach: public ones, and what the allow list names
    (host names, addresses, networks — as `Settings.webhook_allow_hosts` gives them)."""

    def __init__(self, allow: Sequence[str] = ()) -> None:
        self._hosts: set[str] = set()
        self._networks: list[Network] = []
        for entry in allow:
            entry = entry.strip().strip("[]").lower()
            try:
                self._networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self._hosts.add(entry.rstrip("."))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._hosts

    def allows_address(self, address: Address) -> bool:
        if is_public(address):
            return True
        candidates: list[Address] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(
            candidate.version == network.version and candidate in network
            for candidate in candidates
            for network in self._networks
        )

    async def resolve(self, host: str, port: int) -> list[Address]:
        """The addresses to connect to for `host`; Refused if any of them is not allowed."""
        try:
            found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Refused(f"could not resolve {_clean(host, 100)}") from exc
        addresses: list[Address] = []
        for *_, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise Refused(f"could not resolve {_clean(host, 100)}")
        if not self.allows_host(host):
            for address in addresses:
                if not self.allows_address(address):
                    raise Refused(
                        f"{_clean(host, 100)} resolves to {address}, which is not a public "
                        "address (allow it in webhook_allow_hosts if it is meant)"
                    )
        return addresses


def check_url(url: str, *, allow: Sequence[str]) -> str:
    """The URL a subscriber registers, normalised; ValueError (the reason) if refused.
    Host names are not resolved here: that happens at each delivery."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise ValueError("the URL contains spaces or control characters")
    if "#" in url:
        raise ValueError("the URL must not have a fragment (#...)")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a valid URL: {_clean(str(exc), 100)}") from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError("the URL must start with http:// or https://")
    if not parsed.host:
        raise ValueError("the URL has no host")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ValueError("the URL's port must be 1 to 65535")
    if parsed.userinfo or "@" in urlsplit(url).netloc:
        raise ValueError("the URL must not carry a user name or password")
    address = _literal_address(parsed.host)
    if address is not None:
        if not AddressPolicy(allow).allows_address(address):
            raise ValueError(f"{address} is not a public address")
        parsed = parsed.copy_with(host=str(address))
    normalised = str(parsed)
    if len(normalised) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    return normalised


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt came to; `error` is short and safe to show an admin."""

    status_code: int | None
    duration_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def make_client() -> httpx.AsyncClient:
    """The client deliveries share: no redirects, no proxies or certificates from the
    environment, no cookies kept between receivers, connections pooled for many of them."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        cookies=httpx.Cookies(CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30),
        timeout=httpx.Timeout(10.0),
    )


def _clean(text: str, limit: int = _SNIPPET) -> str:
    """Printable, one line, at most `limit` characters."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\s]+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timed out"
    kinds: dict[type[Exception], str] = {
        httpx.ConnectError: "could not connect",
        httpx.RemoteProtocolError: "the receiver broke the HTTP protocol",
        httpx.ReadError: "the connection failed while reading",
        httpx.WriteError: "the connection failed while sending",
    }
    kind = kinds.get(type(exc), type(exc).__name__)
    detail = str(exc)
    # Never echo a URL (its query may hold a token) that a library put in a message.
    detail = re.sub(r"\b[a-z][a-z0-9+.-]*://\S+", "<url>", detail, flags=re.IGNORECASE)
    return _clean(f"{kind}: {detail}" if detail else kind, 160)


def _headers(target: httpx.URL, headers: Mapping[str, str]) -> httpx.Headers:
    result = httpx.Headers(
        {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "Accept-Encoding": "identity",
        }
    )
    for name, value in headers.items():
        if name.lower() not in _FRAMING:
            result[name] = value
    result["Host"] = target.netloc.decode("ascii")
    if target.scheme == "https":
        # The pool keys connections by address: a TLS connection checked for one name
        # must not serve a request for another name on the same address.
        result["Connection"] = "close"
    return result


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """The first bytes of the body (what the error may quote), reading at most `limit`."""
    kept = b""
    received = 0
    if limit <= 0:
        return kept
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if len(kept) < _SNIPPET * 4:
            kept += chunk[: _SNIPPET * 4 - len(kept)]
        if received >= limit:
            break
    return kept


async def _exchange(
    client: httpx.AsyncClient,
    target: httpx.URL,
    body: bytes,
    headers: Mapping[str, str],
    *,
    policy: AddressPolicy,
    phases: httpx.Timeout,
    max_response_bytes: int,
) -> tuple[int, str | None]:
    if target.scheme not in ("http", "https") or not target.host:
        raise Refused("not an http(s) URL")
    host = target.raw_host.decode("ascii")  # IDNA-encoded: what DNS and SNI take
    port = target.port or (443 if target.scheme == "https" else 80)
    addresses = await policy.resolve(host, port)
    for index, address in enumerate(addresses):
        request = httpx.Request(
            "POST",
            target.copy_with(host=str(address)),
            content=body,
            headers=_headers(target, headers),
            extensions={
                "sni_hostname": host,
                "timeout": phases.as_dict(),
            },
        )
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError:
            if index == len(addresses) - 1:
                raise
            continue  # the next address of the name (e.g. IPv4 after IPv6)
        try:
            start = await _read_capped(response, max_response_bytes)
        finally:
            await response.aclose()
        status = response.status_code
        if 200 <= status < 300:
            return status, None
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            to = urlsplit(urljoin(str(target), location)).hostname if location else None
            return status, f"redirect not followed (to {_clean(to or 'nowhere', 100)})"
        said = _clean(start.decode("utf-8", "replace"))
        return status, f"HTTP {status}: {said}" if said else f"HTTP {status}"
    raise Refused(f"no address to connect to for {_clean(host, 100)}")


async def deliver(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    policy: AddressPolicy,
    timeout: float,  # noqa: ASYNC109 - the deadline is enforced inside, by fail_after
    max_response_bytes: int,
) -> Outcome:
    """POST `body` to `url` (pinned to its checked address, `timeout` seconds for the whole
    exchange); never raises but for cancellation: every failure is an Outcome."""
    started = time.monotonic()
    status: int | None = None
    try:
        with anyio.fail_after(timeout):
            status, error = await _exchange(
                client,
                httpx.URL(url),
                body,
                headers,
                policy=policy,
                phases=httpx.Timeout(timeout),
                max_response_bytes=max_response_bytes,
            )
    except Refused as exc:
        status, error = None, _clean(str(exc))
    except (TimeoutError, httpx.TimeoutException):
        status, error = None, f"timed out after {timeout:g} s"
    except httpx.InvalidURL:
        status, error = None, "not a valid URL"
    except Exception as exc:  # a receiver must never break the worker
        status, error = None, _describe(exc)
    return Outcome(status, int((time.monotonic() - started) * 1000), error)
