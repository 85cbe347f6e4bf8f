"""The deployment example (deploy/compose.yaml, docs/deployment.md) says only what the app
accepts: every NEWSDESK_ variable of its API hosts is a setting, their values pass the
settings' own checks, the trusted proxy is the CDN's address, the purge reaches the CDN
with the token it asks for, and the CDN lets the API hosts purge, and nobody else."""

import json
import re
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML, a dev dependency

from app.config import Settings
from app.ops.connections import per_worker

DEPLOY = Path(__file__).parent.parent / "deploy"


def _compose() -> dict[str, Any]:
    text = (DEPLOY / "compose.yaml").read_text()
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "example.env").read_text().splitlines()
        if line and not line.startswith("#")
    )

    def variable(match: re.Match[str]) -> str:
        return example.get(match[1], match[2] or "")

    # Compose's ${NAME:?} and ${NAME:-default}, from example.env.
    text = re.sub(r"\$\{(\w+)(?::[?-]([^}]*))?\}", variable, text)
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def test_the_databases_allow_every_worker_s_connections() -> None:
    """The example's PostgreSQL servers allow what the API hosts' workers may open, all of
    them at once (`app.ops.connections.per_worker`; `newsdesk serve` checks one host's
    alone): the primary, and the replica, which a standby must match anyway."""
    compose = _compose()
    hosts = [name for name in compose["services"] if name.startswith("api-")]
    env = compose["services"][hosts[0]]["environment"]
    settings = Settings.model_validate(
        {
            name.removeprefix("NEWSDESK_").lower(): value
            for name, value in env.items()
            if name != "NEWSDESK_WORKERS"
        }
    )
    workers = len(hosts) * int(env["NEWSDESK_WORKERS"])
    command = compose["services"]["postgres"]["command"]
    allowed = int(command[command.index("-c") + 1].removeprefix("max_connections=")) - 3
    assert workers * per_worker(settings) <= allowed
    assert workers * per_worker(settings, replica=True) <= allowed
    replica = (DEPLOY / "postgres-replica.sh").read_text()
    assert f"exec postgres -c max_connections={allowed + 3}" in replica


def test_the_api_hosts_settings_are_valid_settings() -> None:
    compose = _compose()
    hosts = [name for name in compose["services"] if name.startswith("api-")]
    assert len(hosts) >= 2
    environments = [compose["services"][name]["environment"] for name in hosts]
    assert all(env == environments[0] for env in environments)  # the same everywhere
    env = environments[0]
    known = {f"NEWSDESK_{name.upper()}" for name in Settings.model_fields}
    unknown = (
        {name for name in env if name.startswith("NEWSDESK_")}
        - known
        - {
            "NEWSDESK_WORKERS"  # the image's own (its start command)
        }
    )
    assert not unknown, unknown
    settings = Settings.model_validate(
        {
            name.removeprefix("NEWSDESK_").lower(): value
            for name, value in env.items()
            if name != "NEWSDESK_WORKERS"
        }
    )
    assert settings.database_replica_urls and settings.redis_url
    cdn = compose["services"]["cdn"]
    address = cdn["networks"]["newsdesk"]["ipv4_address"]
    assert settings.trusted_proxies == [address]
    assert settings.purge_url is not None and settings.purge_url.startswith("http://cdn/")
    assert settings.webhook_allow_hosts == ["cdn"]
    vcl = (DEPLOY / "varnish.vcl").read_text()
    acl = vcl[vcl.index("acl purgers {") :].split("}", 1)[0]
    addresses = sorted(re.findall(r'"([0-9.]+)"(/\d+)?;', acl))
    hosts_addresses = sorted(
        (compose["services"][name]["networks"]["newsdesk"]["ipv4_address"], "") for name in hosts
    )
    assert addresses == hosts_addresses  # the API hosts may purge, and nobody else
    assert settings.purge_url.removeprefix("http://cdn") in vcl
    assert settings.purge_headers is not None
    token = json.loads(settings.purge_headers.get_secret_value())["X-Purge-Token"]
    assert token and cdn["environment"]["PURGE_TOKEN"] == token
    assert 'std.getenv("PURGE_TOKEN")' in vcl
    assert '.url = "/healthz";' in vcl  # not /readyz: hosts serve while Redis is down
    for name in hosts:
        assert f'.host = "{name}"' in vcl  # a backend of the CDN
