"""Generated clients (SDKs): the committed contract, openapi/openapi.json, generates a Python
client (openapi-python-client) and a TypeScript one (openapi-typescript types for
openapi-fetch). Each type-checks strictly together with a scenario script (mypy --strict,
tsc --strict), and each scenario then runs against a live server on every database.

Generation and type checks run once per session in a temporary directory, with the
generator settings committed in tools/sdk/. The TypeScript half needs Node.js 20+ and the
tools in tools/node_modules (scripts/bootstrap installs them): without them these tests
fail, they never skip.
"""

import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import Settings
from tests.conftest import live_server
from tests.demo_newsroom import demo_admin, demo_copy
from tests.media import images

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "openapi" / "openapi.json"
SDK_SETTINGS = ROOT / "tools" / "sdk"
NODE_MODULES = ROOT / "tools" / "node_modules"
NODE_BIN = NODE_MODULES / ".bin"
VENV_BIN = Path(sys.executable).parent
PYTHON_SCENARIO = Path(__file__).with_name("sdk_scenario.py")


@dataclass(frozen=True)
class Step:
    """A finished command and everything it printed."""

    command: list[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        return f"$ {shlex.join(self.command)}\n(exit {self.returncode})\n{self.output}"


def step(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Step:
    args = [str(part) for part in command]
    done = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    return Step(args, done.returncode, done.stdout)


@dataclass(frozen=True)
class PythonSdk:
    root: Path  # holds the package newsdesk_client and a copy of sdk_scenario.py
    generated: Step


@dataclass(frozen=True)
class TypeScriptSdk:
    root: Path  # newsdesk.ts (the generated types), scenario.ts, tsconfig.json, dist/
    generated: Step
    compiled: Step


@pytest.fixture(scope="session")
def python_sdk(tmp_path_factory: pytest.TempPathFactory) -> PythonSdk:
    root = tmp_path_factory.mktemp("python-sdk")
    # The generator's post-hooks (tools/sdk/python-config.yaml) run ruff from PATH.
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = step(
        VENV_BIN / "openapi-python-client", "generate",
        "--path", CONTRACT,
        "--config", SDK_SETTINGS / "python-config.yaml",
        "--meta", "none",
        "--output-path", root / "newsdesk_client",
        cwd=root, env=env,
    )  # fmt: skip
    if not generated.ok:
        pytest.fail(f"openapi-python-client could not generate the client:\n{generated}")
    shutil.copy(PYTHON_SCENARIO, root)
    return PythonSdk(root, generated)


@pytest.fixture(scope="session")
def typescript_sdk(tmp_path_factory: pytest.TempPathFactory) -> TypeScriptSdk:
    missing = [
        what
        for what, present in (
            ("Node.js (`node` on PATH)", shutil.which("node") is not None),
            ("openapi-typescript", (NODE_BIN / "openapi-typescript").exists()),
            ("tsc", (NODE_BIN / "tsc").exists()),
            ("openapi-fetch", (NODE_MODULES / "openapi-fetch").is_dir()),
        )
        if not present
    ]
    if missing:
        pytest.fail(
            f"the TypeScript SDK tests need Node.js 20+ and npm, then scripts/bootstrap "
            f"(npm ci --prefix tools); missing: {', '.join(missing)}"
        )
    root = tmp_path_factory.mktemp("typescript-sdk")
    (root / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (root / "package.json").write_text('{"private": true, "type": "module"}\n')
    for name in ("scenario.ts", "tsconfig.json"):
        shutil.copy(SDK_SETTINGS / name, root)
    (root / "upload.jpg").write_bytes(images.photo(800, 500, seed=21))  # what it uploads
    generated = step(
        NODE_BIN / "openapi-typescript", CONTRACT,
        "--default-non-nullable", "false",
        "--output", root / "newsdesk.ts",
        cwd=root,
    )  # fmt: skip
    if not generated.ok:
        pytest.fail(f"openapi-typescript could not generate the types:\n{generated}")
    compiled = step(NODE_BIN / "tsc", "--project", root, "--strict", cwd=root)
    return TypeScriptSdk(root, generated, compiled)


@dataclass(frozen=True)
class DemoServer:
    url: str
    admin_key: str


@pytest.fixture(scope="module")
def demo_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """A live `newsdesk serve` of the demo newsroom (a copy of the run's,
    tests/demo_newsroom.py), with an admin key: one per database, shared by both
    scenarios (each creates its own uniquely titled article)."""
    where = tmp_path_factory.mktemp("demo")
    with demo_copy(database_url, tmp_path_factory, where) as demo:
        settings = Settings(database_url=demo.database_url, media_dir=demo.media_dir)
        admin_key = asyncio.run(demo_admin(settings)).key
        env = {
            **os.environ,
            "NEWSDESK_DATABASE_URL": demo.database_url,
            "NEWSDESK_MEDIA_DIR": str(demo.media_dir),
        }
        with live_server(env) as url:
            yield DemoServer(url, admin_key)


def test_python_client_has_every_operation(python_sdk: PythonSdk) -> None:
    # The generator drops, with a warning, what it cannot express (a response, an operation).
    assert "Warning" not in python_sdk.generated.output, str(python_sdk.generated)
    paths = json.loads(CONTRACT.read_text())["paths"]
    expected = {  # listArticles -> api/<tag>/list_articles.py
        re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"]).lower()
        for path in paths.values()
        for operation in path.values()
        if isinstance(operation, dict)  # not a path-level `summary` or `parameters`
    }
    api = python_sdk.root / "newsdesk_client" / "api"
    modules = {module.stem for module in api.glob("*/*.py")}
    assert expected <= modules, f"no function for {sorted(expected - modules)}"


def test_python_client_passes_mypy_strict(python_sdk: PythonSdk) -> None:
    checked = step(
        sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11",
        "--cache-dir", os.devnull,  # nothing to reuse: the client is new each session
        "newsdesk_client", "sdk_scenario.py",
        cwd=python_sdk.root,
    )  # fmt: skip
    assert checked.ok, str(checked)


def test_typescript_client_passes_tsc_strict(typescript_sdk: TypeScriptSdk) -> None:
    assert typescript_sdk.compiled.ok, str(typescript_sdk.compiled)
    assert (typescript_sdk.root / "dist" / "scenario.js").is_file()


def test_python_scenario_against_live_server(
    python_sdk: PythonSdk, demo_server: DemoServer
) -> None:
    run = step(
        sys.executable, "sdk_scenario.py", demo_server.url, demo_server.admin_key,
        cwd=python_sdk.root,
    )  # fmt: skip
    assert run.ok, str(run)
    assert run.output.rstrip().endswith("python scenario: ok"), str(run)


def test_typescript_scenario_against_live_server(
    typescript_sdk: TypeScriptSdk, demo_server: DemoServer
) -> None:
    assert typescript_sdk.compiled.ok, f"the scenario did not compile:\n{typescript_sdk.compiled}"
    run = step(
        "node", "dist/scenario.js", demo_server.url, demo_server.admin_key,
        cwd=typescript_sdk.root,
    )  # fmt: skip
    assert run.ok, str(run)
    assert run.output.rstrip().endswith("typescript scenario: ok"), str(run)
