"""Settings that fail well (issue 14, item 5): a wrong value is one line naming the variable,
what was given and what is expected — never a traceback, never a secret; lists take JSON
or the obvious comma-separated form."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.config import Settings, SettingsError, _rate, load_settings

NEWSDESK = [sys.executable, "-m", "app.cli"]


def _env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env["NEWSDESK_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'settings.db'}"
    env.update({f"NEWSDESK_{name.upper()}": value for name, value in variables.items()})
    return env


# A setting and a wrong value of it (`name@case`: another wrong value of the same one).
BAD = {
    "cors_origins": ("https://x.example/path", "NEWSDESK_CORS_ORIGINS: got"),
    "database_pool_size@0": ("0", "NEWSDESK_DATABASE_POOL_SIZE: got '0'"),
    "database_url": ("mysql://editor:hunter2@db/news", "NEWSDESK_DATABASE_URL: got"),
    "rate_limit_public": ("lots", "expected N/second, N/minute, N/hour or N/day"),
    "cache": ("maybe", "NEWSDESK_CACHE: got 'maybe'; Input should be 'on' or 'off'"),
    "database_pool_size": ("twenty", "NEWSDESK_DATABASE_POOL_SIZE: got 'twenty'"),
    "trusted_proxies": ("[10.0.0.1", "NEWSDESK_TRUSTED_PROXIES: got '[10.0.0.1'"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_wrong_value_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    value, expected = BAD[name]
    done = subprocess.run(
        [*NEWSDESK, "migrate"],
        env=_env(tmp_path, **{name.partition("@")[0]: value}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "newsdesk: invalid settings"
    assert len(lines) == 2 and expected in lines[1], done.stderr
    assert "hunter2" not in done.stderr
    assert not (tmp_path / "settings.db").exists()  # nothing was done


def test_every_wrong_variable_is_named_at_once_and_uvicorn_says_the_same(
    tmp_path: Path,
) -> None:
    env = _env(tmp_path, cache="maybe", rate_limit_admin="1/fortnight", cors_origins="[1")
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    named = {line.split(":")[0] for line in done.stderr.splitlines() if line.startswith("NEWS")}
    assert named == {"NEWSDESK_CACHE", "NEWSDESK_RATE_LIMIT_ADMIN", "NEWSDESK_CORS_ORIGINS"}


def test_lists_take_json_or_commas_and_urls_their_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSDESK_CORS_ORIGINS", "https://a.example, https://b.example:8443")
    monkeypatch.setenv("NEWSDESK_TRUSTED_PROXIES", '["10.0.0.0/8", "127.0.0.1"]')
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", "postgresql://news@db.example/newsdesk")
    monkeypatch.setenv("NEWSDESK_RATE_LIMIT_PUBLIC", "")
    settings = load_settings()
    assert settings.cors_origins == ["https://a.example", "https://b.example:8443"]
    assert settings.trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]
    assert settings.database_url == "postgresql+asyncpg://news@db.example/newsdesk"
    assert settings.rate_limit_public is None
    assert Settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    monkeypatch.setenv("NEWSDESK_CORS_ORIGINS", '["https://a.example"]')
    assert load_settings().cors_origins == ["https://a.example"]
    monkeypatch.setenv("NEWSDESK_S3_SECRET_ACCESS_KEY", "x")  # unknown variables: ignored
    monkeypatch.setenv("NEWSDESK_CORS_ORIGINS", "*")
    assert load_settings().cors_origins == ["*"]
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", "postgresql+asyncpg://u:s3cret@h/db")
    monkeypatch.setenv("NEWSDESK_CACHE", "nope")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "s3cret" not in str(raised.value)
    assert str(raised.value).startswith("NEWSDESK_CACHE: got 'nope'")


@given(st.integers(1, 999_999_999), st.sampled_from(["second", "minute", "hour", "day"]))
def test_a_plain_rate_is_read_without_the_limits_library_as_it_would_read_it(
    amount: int, unit: str
) -> None:
    """`N/unit` (every default's notation) is accepted without importing `limits`, which a
    reading worker then never loads (`app.ratelimit`); the library reads it the same."""
    from limits import parse

    rate = f"{amount}/{unit}"
    assert _rate(f" {rate} ") == rate
    item = parse(rate)
    assert (item.amount, item.GRANULARITY.name) == (amount, unit)
