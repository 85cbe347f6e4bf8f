"""Read replicas (issue 20, item 5), against a real PostgreSQL streaming replica the test
makes (`pg_basebackup` of a primary of its own, `tests/pgcluster.py`) and a live
`newsdesk serve`: public reads go to the replica and writes and the management API to
the primary; an editor's publication reaches readers through the replica within the lag
bound; a replica that lags (its replay paused) past NEWSDESK_REPLICA_MAX_LAG_SECONDS or is
stopped is skipped without a reader seeing an error, and used again once it has caught
up; and no page read on a lagging replica is left in the response cache after its purge.

`-s` prints the measured lag and visibility delays the closing note gives."""

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import api_key, run_cli
from tests.live import Server, fault_record, newsdesk_serve, wait_until
from tests.pgcluster import Cluster

MAX_LAG = 2.0  # seconds


@pytest.fixture
def pair() -> Iterator[tuple[Cluster, Cluster]]:
    primary = Cluster().init()
    replica: Cluster | None = None
    try:
        primary.start()
        replica = Cluster.replica_of(primary)
        replica.start()
        yield primary, replica
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


def _metric(http: httpx.Client, name: str) -> float:
    text = http.get("/metrics").text
    found = re.search(rf'^{name}\{{replica="1"\}} ([0-9.e+-]+)$', text, re.MULTILINE)
    return float(found[1]) if found else 0.0


def _publish(http: httpx.Client, admin: dict[str, str], title: str) -> str:
    made = http.post(
        "/v1/admin/articles",
        json={"original_language": "en",
              "translations": {"en": {"title": title, "lead": "L.", "body_html": "<p>B</p>"}}},
        headers=admin,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    done = http.post(f"/v1/admin/articles/{ident}/translations/en/publish", headers=admin)
    assert done.status_code == 200, done.text
    return str(ident)


def _listed(http: httpx.Client) -> list[str]:
    response = http.get("/v1/en/articles")
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def test_public_reads_on_a_streaming_replica(pair: tuple[Cluster, Cluster], tmp_path: Path) -> None:
    primary, replica = pair
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": primary.url,
        "NEWSDESK_DATABASE_REPLICA_URLS": replica.url,
        "NEWSDESK_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
        "NEWSDESK_MEDIA_DIR": str(tmp_path / "media"),
        "NEWSDESK_SECRET_KEY_FILE": str(tmp_path / "secret"),
        "NEWSDESK_METRICS_PUBLIC": "true",
        "NEWSDESK_RATE_LIMIT_ADMIN": "",
    }
    run_cli(env, "migrate")
    key = api_key(primary.url, "replicas")  # in this process: no process start
    admin = {"Authorization": f"Bearer {key}"}
    server: Server
    with newsdesk_serve(env) as server, httpx.Client(base_url=server.base, timeout=30) as http:
        wait_until(lambda: _metric(http, "newsdesk_replica_usable") == 1, 10, "replica usable")

        # A publication reaches readers through the replica, and the reads are its.
        reads = _metric(http, "newsdesk_replica_reads_total")
        _publish(http, admin, "First")
        visible = wait_until(lambda: "First" in _listed(http), 5, "visible through the replica")
        assert _metric(http, "newsdesk_replica_reads_total") > reads
        lag = _metric(http, "newsdesk_replica_lag_seconds")
        assert 0 <= lag < MAX_LAG

        # Lagging: replay paused. Readers may see the page without the new story while
        # the lag is within the bound, never longer; the management API sees it at once.
        replica.sql("SELECT pg_wal_replay_pause()")
        wait_until(lambda: replica.sql("SELECT pg_get_wal_replay_pause_state()") == "paused", 10,
               "replay paused")  # fmt: skip
        paused = time.monotonic()
        second = _publish(http, admin, "Second")
        admin_titles = http.get("/v1/admin/articles", headers=admin).json()["items"]
        assert "Second" in [a["translations"]["en"]["title"] for a in admin_titles]
        # The change feed is the primary's: its cursors never run ahead of a replica.
        feed = http.get("/v1/changes", params={"limit": 100}).json()["items"]
        assert second in [change["article_id"] for change in feed]
        stale_seen = 0
        while "Second" not in (titles := _listed(http)):  # would be cached, if stored
            assert titles == ["First"]
            stale_seen += 1
            assert time.monotonic() - paused < MAX_LAG + 3, "a lagging replica still read"
            time.sleep(0.05)
        lagging_delay = time.monotonic() - paused
        wait_until(
            lambda: _metric(http, "newsdesk_replica_usable") == 0, 3, "skipped while lagging"
        )
        assert "Second" in _listed(http)  # and stays: no stale page was kept in the cache
        replica.sql("SELECT pg_wal_replay_resume()")
        caught_up = wait_until(lambda: _metric(http, "newsdesk_replica_usable") == 1, 10, "usable")
        reads = _metric(http, "newsdesk_replica_reads_total")
        _publish(http, admin, "Third")  # purges the list: the next read is the replica's
        wait_until(lambda: "Third" in _listed(http), 5, "visible through the replica again")
        assert _metric(http, "newsdesk_replica_reads_total") > reads

        # Stopped: every public read is answered (on the primary), none fails.
        replica.stop("immediate")
        statuses = []
        for n in range(20):
            response = http.get("/v1/en/articles", params={"limit": str(n + 1)})
            statuses.append(response.status_code)
        assert statuses == [200] * 20
        wait_until(lambda: _metric(http, "newsdesk_replica_usable") == 0, 3, "skipped")
        _publish(http, admin, "Fourth")
        assert "Fourth" in _listed(http)
        replica.start()
        back = wait_until(lambda: _metric(http, "newsdesk_replica_usable") == 1, 10, "back")
        reads = _metric(http, "newsdesk_replica_reads_total")
        _publish(http, admin, "Fifth")
        wait_until(lambda: "Fifth" in _listed(http), 5, "visible through the restarted replica")
        assert _metric(http, "newsdesk_replica_reads_total") > reads
    fault_record(
        "Read replica lagging, then stopped", lag_s=round(lag, 3),
        visible_through_replica_s=round(visible, 2), max_lag_s=MAX_LAG,
        stale_list_served=stale_seen, visible_when_lagging_s=round(lagging_delay, 2),
        usable_after_resume_s=round(caught_up, 2), usable_after_restart_s=round(back, 2),
        statuses={"200 (replica stopped)": statuses.count(200)},
    )  # fmt: skip
    print(
        f"\nreplica lag {lag:.2f} s; a publication visible through it after {visible:.2f} s; "
        f"replay paused: stale list served {stale_seen} times, the story visible after "
        f"{lagging_delay:.2f} s (bound {MAX_LAG} s); usable again {caught_up:.2f} s after "
        f"replay resumed, {back:.2f} s after a restart"
    )


def test_replicas_need_postgresql(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'n.db'}",
        "NEWSDESK_DATABASE_REPLICA_URLS": "postgresql://postgres:secret@replica/newsdesk",
    }
    import subprocess

    from tests.live import NEWSDESK

    done = subprocess.run([*NEWSDESK, "migrate"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert "NEWSDESK_DATABASE_REPLICA_URLS needs a PostgreSQL" in done.stderr
    assert "secret" not in done.stderr
    env["NEWSDESK_DATABASE_REPLICA_URLS"] = "mysql://replica/newsdesk"
    done = subprocess.run([*NEWSDESK, "migrate"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2 and "NEWSDESK_DATABASE_REPLICA_URLS" in done.stderr
