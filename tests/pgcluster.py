"""A PostgreSQL server of a test's own, made with `initdb` in a temporary folder, to stop,
freeze (SIGSTOP) and restart without touching the shared server the other tests use; and
a streaming replica of one, made with `pg_basebackup` (`Cluster.replica_of`), whose replay
can be paused to make it lag.

Run as root (CI, the machines here), the server runs as the `postgres` user, as
PostgreSQL insists; run as anyone else, as that user. Durability is switched off
(`fsync=off`): these servers die with their test.
"""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from tests.live import free_port


def _bin() -> Path:
    found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
    folder = Path(found.stdout.strip()) if found.returncode == 0 else None
    if folder is None or not (folder / "initdb").exists():
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not candidates:
            raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")
        folder = candidates[-1].parent
    return folder


class Cluster:
    """One PostgreSQL server: `start`, `stop`, `freeze`, `thaw`; `url` for the app."""

    def __init__(self) -> None:
        # Not under pytest's temporary folders: those are root's alone, and the server
        # runs as `postgres`.
        self.folder = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.bin = _bin()
        self.as_root = os.geteuid() == 0
        self.log = self.folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}")

    def _own_folder(self) -> None:
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)

    def _configure(self) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\nfsync = off\n"
                "synchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\n"
                "wal_receiver_status_interval = 1\n"
            )

    @classmethod
    def replica_of(cls, primary: "Cluster") -> "Cluster":
        """A streaming replica of `primary` (running), not started yet."""
        replica = cls()
        replica._own_folder()
        replica._run(
            str(replica.bin / "pg_basebackup"), "-D", str(replica.data), "-R", "-X", "stream",
            "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "--no-sync",
        )  # fmt: skip
        replica._configure()  # its own port and socket folder (the last line wins)
        return replica

    def sql(self, statement: str) -> str:
        """Run one statement with psql; its output (unaligned, tuples only)."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "postgres", "-Atc", statement],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout.strip()

    def init(self) -> "Cluster":
        self._own_folder()
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self._configure()
        return self

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def pids(self) -> list[int]:
        """The postmaster and every process it started."""
        first = (self.data / "postmaster.pid").read_text().split("\n", 1)[0]
        main = int(first)
        children = subprocess.run(
            ["pgrep", "-P", str(main)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [main, *map(int, children)]

    def freeze(self) -> None:
        """SIGSTOP every process of the server: it answers nothing, and no error either.
        The postmaster first, then its children, listed until no new one shows: a
        backend it forked while they were listed (a client connecting just then) would
        otherwise go on answering."""
        stopped: set[int] = set()
        while todo := [pid for pid in self.pids() if pid not in stopped]:
            for pid in todo:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
                stopped.add(pid)

    def thaw(self) -> None:
        for pid in self.pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def destroy(self) -> None:
        with suppress(Exception):
            self.thaw()
        with suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True, check=False,
            )  # fmt: skip
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL on {self.port} is not ready:\n{self.log.read_text()}")
