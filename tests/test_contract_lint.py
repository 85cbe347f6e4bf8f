"""The contract passes Spectral with the committed ruleset (`.spectral.yaml`), and the
ruleset's own rules catch what they are for."""

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPECTRAL = ROOT / "tools" / "node_modules" / ".bin" / "spectral"
CONTRACT = ROOT / "openapi" / "openapi.json"


def _lint(path: Path) -> list[dict[str, Any]]:
    if not SPECTRAL.exists():
        pytest.fail("Spectral is not installed: run scripts/bootstrap (needs Node.js 20+ and npm)")
    done = subprocess.run(
        [str(SPECTRAL), "lint", str(path), "--ruleset", str(ROOT / ".spectral.yaml"),
         "--format", "json", "--quiet"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return findings


def test_the_committed_contract_has_no_errors_or_warnings() -> None:
    findings = _lint(CONTRACT)
    assert [(f["code"], ".".join(map(str, f["path"]))) for f in findings] == []


def test_the_rules_catch_a_broken_contract(tmp_path: Path) -> None:
    spec = json.loads(CONTRACT.read_text(encoding="utf-8"))
    broken = copy.deepcopy(spec)
    listing = broken["paths"]["/v1/{lang}/articles"]["get"]
    del listing["summary"]
    listing["operationId"] = "list_articles"
    listing["parameters"].append(
        {"name": "free", "in": "query", "description": "Unbounded.", "schema": {"type": "string"}}
    )
    listing["responses"]["404"]["content"]["application/json"] = {"schema": {"type": "object"}}
    del listing["responses"]["429"]
    create = broken["paths"]["/v1/admin/articles"]["post"]
    del create["responses"]["413"]
    del create["responses"]["201"]["headers"]["X-Request-ID"]
    body_schema = broken["components"]["schemas"]["ArticleCreate"]
    body_schema.pop("examples", None)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")

    codes = {f["code"] for f in _lint(path)}
    assert {
        "newsdesk-operation-summary",
        "newsdesk-operation-id-camel-case",
        "newsdesk-parameter-constraints",
        "newsdesk-errors-are-problems",
        "newsdesk-rate-limited",
        "newsdesk-body-limit",
        "newsdesk-request-id",
        "newsdesk-request-examples",
    } <= codes
