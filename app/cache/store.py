"""The response cache's store: serialized public responses in a memory-bounded LRU, with
an index from surrogate keys to the entries that carry them, so a write purges exactly
the responses it changed.

Refreshed, not purged: an entry whose surrogate keys are all `refreshed` ones (the
sitemaps: dear to build, and named by every write) outlives a purge that reaches it less
than `refresh` seconds after it was made. It is then served, marked dirty, until that age;
the next request after it rebuilds it, while the others are still given the dirty entry
(one build at a time, not one per request). Under a steady trickle of writes a sitemap is
so built once per `refresh` seconds instead of on every request, and shows every change
at most `refresh` seconds (plus its build) late.
"""

import dataclasses
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cachetools import LRUCache

# Bookkeeping per entry beyond its body and headers (key strings, the index, the LRU).
ENTRY_OVERHEAD = 512
ALL = "*"  # the surrogate key that purges everything
# Headers a 304 repeats (RFC 9110 §15.4.5, and what a CDN purges and negotiates by).
NOT_MODIFIED_HEADERS = frozenset(
    {b"etag", b"cache-control", b"vary", b"content-language", b"surrogate-key", b"expires"}
)
Headers = tuple[tuple[bytes, bytes], ...]


def not_modified(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """What a 304 repeats of a 200's headers, in their order."""
    return tuple((k, v) for k, v in headers if k.lower() in NOT_MODIFIED_HEADERS)


@dataclass(frozen=True, slots=True)
class Entry:
    """One response as the framework answered it, ready to send again."""

    status: int
    headers: Headers
    body: bytes
    etag: bytes
    keys: frozenset[str]
    expires: float  # time.monotonic() after which the entry is not served
    route: str = "unmatched"  # the template of the route that made it (for the metrics)
    made: float = 0.0  # time.monotonic() when its making started
    dirty: bool = False  # a purge reached it (a refreshed entry, kept until it is rebuilt)
    rebuilding: float | None = None  # time.monotonic() when a request went to rebuild it
    # Made once, when stored: what its 304 sends (in place of `headers`).
    not_modified: Headers = field(init=False, repr=False, compare=False)
    # Its headers as `app.cache.fast` sends them to a request without Origin, by status,
    # made on first use (the same for every such request but the request id).
    sent: dict[int, Headers] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "not_modified", not_modified(self.headers))

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + ENTRY_OVERHEAD


class _Lru(LRUCache[str, Entry]):
    """cachetools' LRU, telling the store what it evicts."""

    def __init__(self, max_bytes: int, store: "ResponseStore") -> None:
        super().__init__(maxsize=max_bytes, getsizeof=lambda entry: entry.size)
        self._store = store

    def popitem(self) -> tuple[str, Entry]:
        key, entry = super().popitem()
        self._store._unindex(key, entry)
        self._store.evictions += 1
        return key, entry


class ResponseStore:
    def __init__(
        self, max_bytes: int, *, refreshed: frozenset[str] = frozenset(), refresh: float = 0.0
    ) -> None:
        self._lru = _Lru(max_bytes, self)
        self.refreshed = refreshed
        self.refresh = refresh
        self._by_key: defaultdict[str, set[str]] = defaultdict(set)
        self.hits = 0
        self.misses = 0
        self.evictions = 0  # dropped for room (not expired or purged)

    def __len__(self) -> int:
        return len(self._lru)

    @property
    def bytes(self) -> int:
        return int(self._lru.currsize)

    def get(self, key: str) -> Entry | None:
        entry = self._lru.get(key)
        now = time.monotonic()
        if entry is not None and entry.expires <= now:
            self._drop(key)
            entry = None
        if (
            entry is not None
            and entry.dirty
            and now >= entry.made + self.refresh
            and (entry.rebuilding is None or now >= entry.rebuilding + self.refresh)
        ):
            # This request rebuilds it; the others meanwhile get it as it is.
            self._lru[key] = dataclasses.replace(entry, rebuilding=now)
            entry = None
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def peek(self, key: str) -> Entry | None:
        """The unexpired entry, counted neither as a hit nor a miss."""
        entry = self._lru.get(key)
        return entry if entry is not None and entry.expires > time.monotonic() else None

    def put(self, key: str, entry: Entry) -> None:
        if entry.size > self._lru.maxsize:
            return
        self._drop(key)
        self._lru[key] = entry
        for surrogate in entry.keys:
            self._by_key[surrogate].add(key)

    def is_refreshed(self, keys: frozenset[str]) -> bool:
        """Whether an entry with these surrogate keys is refreshed rather than purged."""
        return self.refresh > 0 and bool(keys) and keys <= self.refreshed

    def young(self, entry: Entry) -> bool:
        """A refreshed entry that a purge would only mark dirty."""
        return self.is_refreshed(entry.keys) and time.monotonic() < entry.made + self.refresh

    def purge(self, surrogate_keys: Iterable[str]) -> int:
        """Drop every entry that carries one of these keys (`*`: all), or mark it dirty
        when it is refreshed and young; how many were dropped or marked."""
        wanted = set(surrogate_keys)
        if ALL in wanted:
            count = len(self._lru)
            self.clear()
            return count
        doomed = set().union(*(self._by_key.get(k, set()) for k in wanted)) if wanted else set()
        for key in doomed:
            entry = self._lru.get(key)
            if entry is None or not self.is_refreshed(entry.keys):
                self._drop(key)
            elif not entry.dirty:  # (a dirty one is rebuilt at its age already)
                if self.young(entry):
                    self._lru[key] = dataclasses.replace(entry, dirty=True)
                else:
                    self._drop(key)  # quiet for a window: the change shows at once
        return len(doomed)

    def clear(self) -> None:
        self._lru.clear()
        self._by_key.clear()

    def _drop(self, key: str) -> None:
        entry = self._lru.pop(key, None)
        if entry is not None:
            self._unindex(key, entry)

    def _unindex(self, key: str, entry: Entry) -> None:
        for surrogate in entry.keys:
            holders = self._by_key.get(surrogate)
            if holders is not None:
                holders.discard(key)
                if not holders:
                    del self._by_key[surrogate]
