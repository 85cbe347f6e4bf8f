"""The breaking-change gate (scripts/contract-gate) on deliberately broken contracts.

Each contract is the committed openapi/openapi.json, deep-copied and changed; unless a
case says otherwise, the last release is the committed contract itself. api-smart-diff
is slow to warm up, so every case runs in one node process (`contract-gate --batch`, the
same code as one run per case) and each test reads its case's result; a few tests run
the script itself for its real exit codes.
"""

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GATE = ROOT / "scripts" / "contract-gate"
BASE: dict[str, Any] = json.loads((ROOT / "openapi" / "openapi.json").read_text("utf-8"))

VERSION = BASE["info"]["version"]
MAJOR, MINOR = (int(part) for part in VERSION.split(".")[:2])
NEXT_MAJOR = f"{MAJOR + 1}.0.0"
NEXT_MINOR = f"{MAJOR}.{MINOR + 1}.0"

Doc = dict[str, Any]


# --- finding things in the contract -------------------------------------------------------


def locate(doc: Doc, operation_id: str) -> tuple[str, str]:
    """(path, method) of an operation."""
    for route, item in doc["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return route, method
    raise LookupError(operation_id)


def operation(doc: Doc, operation_id: str) -> Doc:
    route, method = locate(doc, operation_id)
    found: Doc = doc["paths"][route][method]
    return found


def title(doc: Doc, operation_id: str) -> str:
    """How the report names an operation: `GET /v1/{lang}/articles`."""
    route, method = locate(doc, operation_id)
    return f"{method.upper()} {route}"


def component(doc: Doc, reference: Doc) -> Doc:
    found: Doc = doc["components"]["schemas"][reference["$ref"].rpartition("/")[2]]
    return found


def request_schema(doc: Doc, operation_id: str) -> Doc:
    content = operation(doc, operation_id)["requestBody"]["content"]
    return component(doc, content["application/json"]["schema"])


def response_schema(doc: Doc, operation_id: str) -> Doc:
    content = operation(doc, operation_id)["responses"]["200"]["content"]
    return component(doc, content["application/json"]["schema"])


def first_property(schema: Doc, json_type: str, *, required: bool) -> str:
    properties: dict[str, Doc] = schema["properties"]
    return next(
        name
        for name, prop in properties.items()
        if prop.get("type") == json_type and (name in schema.get("required", [])) == required
    )


# The fields the changes below work on.
RESPONSE_FIELD = first_property(response_schema(BASE, "getArticle"), "integer", required=True)
OPTIONAL_REQUEST_FIELD = first_property(
    request_schema(BASE, "createArticle"), "array", required=False
)
REQUIRED_REQUEST_FIELD = first_property(
    request_schema(BASE, "createArticle"), "string", required=True
)


# --- breaking changes: each changes a contract and returns the report's line for it -------


def removed_operation(doc: Doc) -> str:
    route, method = locate(doc, "getTag")
    del doc["paths"][route][method]
    return f"operation {method.upper()} {route} removed"


def removed_response_field(doc: Doc) -> str:
    schema = response_schema(doc, "getArticle")
    del schema["properties"][RESPONSE_FIELD]
    if RESPONSE_FIELD in schema["required"]:
        schema["required"].remove(RESPONSE_FIELD)
    return (
        f"{title(doc, 'getArticle')}: response 200 (application/json): "
        f"property `{RESPONSE_FIELD}` removed"
    )


def removed_request_field(doc: Doc) -> str:
    del request_schema(doc, "createArticle")["properties"][OPTIONAL_REQUEST_FIELD]
    return (
        f"{title(doc, 'createArticle')}: request body (application/json): "
        f"property `{OPTIONAL_REQUEST_FIELD}` removed [gate rule: removed field]"
    )


def request_field_made_required(doc: Doc) -> str:
    request_schema(doc, "createArticle")["required"].append(OPTIONAL_REQUEST_FIELD)
    return (
        f"{title(doc, 'createArticle')}: request body (application/json): "
        f"property `{OPTIONAL_REQUEST_FIELD}` made required"
    )


def new_required_request_field(doc: Doc) -> str:
    schema = request_schema(doc, "createArticle")
    schema["properties"]["gate_probe"] = {"type": "string"}
    schema["required"].append("gate_probe")
    return (
        f"{title(doc, 'createArticle')}: request body (application/json): "
        "property `gate_probe` made required"
    )


def parameter_made_required(doc: Doc) -> str:
    parameters = operation(doc, "listArticles")["parameters"]
    parameter = next(p for p in parameters if p["in"] == "query" and not p.get("required"))
    parameter["required"] = True
    return f"{title(doc, 'listArticles')}: query parameter `{parameter['name']}` made required"


def new_required_query_parameter(doc: Doc) -> str:
    operation(doc, "listArticles")["parameters"].append(
        {"name": "gate_probe", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    return f"{title(doc, 'listArticles')}: required query parameter `gate_probe` added"


def enum_value_removed(doc: Doc) -> str:
    """Status is in the `status` query parameter of listAdminArticles and in responses."""
    removed = doc["components"]["schemas"]["Status"]["enum"].pop()
    return (
        f"{title(doc, 'listAdminArticles')}: query parameter `status`: "
        f"enum value {json.dumps(removed)} removed"
    )


def enum_given_to_a_request_field(doc: Doc) -> str:
    request_schema(doc, "createArticle")["properties"][REQUIRED_REQUEST_FIELD]["enum"] = ["a", "b"]
    return (
        f"{title(doc, 'createArticle')}: request body (application/json): "
        f'enum ["a","b"] of `{REQUIRED_REQUEST_FIELD}` added [gate rule: new enum]'
    )


def response_type_changed(doc: Doc) -> str:
    response_schema(doc, "getArticle")["properties"][RESPONSE_FIELD]["type"] = "string"
    return (
        f"{title(doc, 'getArticle')}: response 200 (application/json): type of "
        f'`{RESPONSE_FIELD}` changed from "integer" to "string" [gate rule: changed type]'
    )


def request_type_changed(doc: Doc) -> str:
    request_schema(doc, "createArticle")["properties"][REQUIRED_REQUEST_FIELD]["type"] = "integer"
    return (
        f"{title(doc, 'createArticle')}: request body (application/json): "
        f'type of `{REQUIRED_REQUEST_FIELD}` changed from "string" to "integer"'
    )


def response_status_removed(doc: Doc) -> str:
    del operation(doc, "getArticle")["responses"]["404"]
    return f"{title(doc, 'getArticle')}: response 404 removed"


BREAKING: dict[str, Callable[[Doc], str]] = {
    "removed operation": removed_operation,
    "removed response field": removed_response_field,
    "removed request field": removed_request_field,
    "request field made required": request_field_made_required,
    "new required request field": new_required_request_field,
    "parameter made required": parameter_made_required,
    "new required query parameter": new_required_query_parameter,
    "enum value removed": enum_value_removed,
    "enum given to a request field": enum_given_to_a_request_field,
    "response type changed": response_type_changed,
    "request type changed": request_type_changed,
    "response status removed": response_status_removed,
}
EXPECTED = {name: change(copy.deepcopy(BASE)) for name, change in BREAKING.items()}


# --- non-breaking changes -----------------------------------------------------------------


def new_optional_query_parameter(doc: Doc) -> None:
    operation(doc, "listArticles")["parameters"].append(
        {"name": "gate_probe", "in": "query", "required": False, "schema": {"type": "string"}}
    )


def new_operation(doc: Doc) -> None:
    ok = {"200": {"description": "OK"}}
    doc["paths"]["/v1/gate-probe"] = {"get": {"operationId": "gateProbe", "responses": ok}}


def new_optional_response_field(doc: Doc) -> None:
    response_schema(doc, "getArticle")["properties"]["gate_probe"] = {"type": "string"}


def description_edits(doc: Doc) -> None:
    doc["info"]["description"] += " Edited."
    operation(doc, "listArticles")["description"] = "Edited."
    response_schema(doc, "getArticle")["properties"][RESPONSE_FIELD]["description"] = "Edited."


NON_BREAKING: dict[str, Callable[[Doc], None]] = {
    "new optional query parameter": new_optional_query_parameter,
    "new operation": new_operation,
    "new optional response field": new_optional_response_field,
    "description edits": description_edits,
}


def add_status_value(doc: Doc) -> None:
    doc["components"]["schemas"]["Status"]["enum"].append("gate_probe")


def optional_response_field(doc: Doc) -> None:
    """The release in which removed_response_field's property is optional."""
    response_schema(doc, "getArticle")["required"].remove(RESPONSE_FIELD)


# --- the cases, each in its own files, run in one batch -----------------------------------


def changed(*changes: Callable[[Doc], object], version: str = VERSION) -> Doc:
    doc = copy.deepcopy(BASE)
    for change in changes:
        change(doc)
    doc["info"]["version"] = version
    return doc


@dataclass
class Case:
    contract: Doc | str  # a document, or the file's raw text
    releases: dict[str, Doc]  # file name -> document
    options: tuple[str, ...] = ()


RELEASED = {f"{VERSION}.json": BASE}
INVALID_VERSIONS = ["1.0", "v1.0.0", "01.0.0", "1.0.0.0", ""]

CASES: dict[str, Case] = {
    **{name: Case(changed(change), RELEASED) for name, change in BREAKING.items()},
    **{
        f"{name}, major bump": Case(changed(change, version=NEXT_MAJOR), RELEASED)
        for name, change in BREAKING.items()
    },
    **{name: Case(changed(change), RELEASED) for name, change in NON_BREAKING.items()},
    **{f"version {bad!r}": Case(changed(version=bad), RELEASED) for bad in INVALID_VERSIONS},
    "identical": Case(BASE, RELEASED),
    "breaking, minor bump": Case(changed(removed_operation, version=NEXT_MINOR), RELEASED),
    "non-breaking, minor bump": Case(changed(new_operation, version=NEXT_MINOR), RELEASED),
    "version bump only": Case(changed(version=NEXT_MINOR), RELEASED),
    "lower version": Case(BASE, {f"{NEXT_MINOR}.json": changed(version=NEXT_MINOR)}),
    "pre-release of the release": Case(changed(version=f"{VERSION}-rc.1"), RELEASED),
    # By name 1.9.0 sorts after 1.10.0, and against it an operation would be missing.
    "highest version": Case(
        changed(version="1.10.0"),
        {
            "1.9.0.json": changed(new_operation, version="1.9.0"),
            "1.10.0.json": changed(version="1.10.0"),
        },
    ),
    "enum value removed, verbose": Case(changed(enum_value_removed), RELEASED, ("--verbose",)),
    "enum value added, verbose": Case(changed(add_status_value), RELEASED, ("--verbose",)),
    "removed optional response field": Case(
        changed(optional_response_field, removed_response_field),
        {f"{VERSION}.json": changed(optional_response_field)},
    ),
    "no releases yet": Case(BASE, {}),
    "contract is not JSON": Case("{not json", RELEASED),
    "misnamed release": Case(BASE, {"latest.json": BASE}),
    "release disagrees with its name": Case(BASE, {"9.0.0.json": BASE}),
    "release: the first": Case(BASE, {}, ("--release",)),
    "release: a new version": Case(
        changed(new_operation, version=NEXT_MINOR), RELEASED, ("--release",)
    ),
    "release: exists, same content": Case(BASE, RELEASED, ("--release",)),
    "release: exists, other content": Case(changed(description_edits), RELEASED, ("--release",)),
    "release: breaking, minor bump": Case(
        changed(removed_operation, version=NEXT_MINOR), RELEASED, ("--release",)
    ),
}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    contract: Path
    releases: Path

    def listed(self, classification: str) -> list[str]:
        """The changes listed under "<Classification> changes (n):"."""
        heading = f"\n{classification.capitalize()} changes ("
        if heading not in self.stdout:
            return []
        section = self.stdout.split(heading, 1)[1].split("\n\n", 1)[0]
        return [line[4:] for line in section.splitlines() if line.startswith("  - ")]

    @property
    def verdict(self) -> str:
        return self.stdout.rstrip().rpartition("\n")[2]


def write(path: Path, content: Doc | str) -> None:
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2) + "\n")


def run_batches(invocations: list[list[str]]) -> list[dict[str, Any]]:
    """The results of `invocations`, spread over a `contract-gate --batch` per CPU."""
    count = max(1, min(os.cpu_count() or 1, 4))

    def run(chunk: list[list[str]]) -> list[dict[str, Any]]:
        batch = subprocess.run(
            [GATE, "--batch"], input=json.dumps(chunk), capture_output=True, text=True
        )
        assert batch.returncode == 0, batch.stderr
        verdicts: list[dict[str, Any]] = json.loads(batch.stdout)
        return verdicts

    with ThreadPoolExecutor(count) as pool:
        chunks = list(pool.map(run, [invocations[start::count] for start in range(count)]))
    outputs: list[dict[str, Any]] = [{}] * len(invocations)
    for start, chunk in enumerate(chunks):
        outputs[start::count] = chunk
    return outputs


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    root = tmp_path_factory.mktemp("gate")
    invocations, files = [], []
    for number, case in enumerate(CASES.values()):
        contract, releases = root / f"{number}.json", root / f"{number}-releases"
        write(contract, case.contract)
        if case.releases:
            releases.mkdir()
        for name, release in case.releases.items():
            write(releases / name, release)
        invocations.append([*case.options, str(contract), str(releases)])
        files.append((contract, releases))
    outputs = run_batches(invocations)
    return {
        name: Result(output["code"], output["stdout"], output["stderr"], *where)
        for name, output, where in zip(CASES, outputs, files, strict=True)
    }


# --- breaking changes ---------------------------------------------------------------------


@pytest.mark.parametrize("name", BREAKING)
def test_a_breaking_change_fails_without_a_major_bump(
    results: dict[str, Result], name: str
) -> None:
    result = results[name]
    assert result.code == 1, result.stdout
    assert EXPECTED[name] in result.listed("breaking"), result.stdout
    assert result.verdict.startswith("FAIL: ")
    assert result.verdict.endswith(f"info.version {VERSION} must be {NEXT_MAJOR} or higher.")


@pytest.mark.parametrize("name", BREAKING)
def test_the_same_change_passes_with_a_major_bump(results: dict[str, Result], name: str) -> None:
    result = results[f"{name}, major bump"]
    assert result.code == 0, result.stdout
    assert EXPECTED[name] in result.listed("breaking")  # still reported
    assert result.verdict.startswith(f"PASS: the major version goes up ({VERSION} -> {NEXT_MAJOR})")


def test_the_report_gives_each_change_its_json_path(results: dict[str, Result]) -> None:
    route, method = locate(BASE, "getTag")
    lines = results["removed operation"].stdout.splitlines()
    at = lines.index(f"  - {EXPECTED['removed operation']}") + 1
    assert lines[at] == f"    at $.paths['{route}'].{method}"
    assert "Changes: 1 breaking, 0 non-breaking" in results["removed operation"].stdout


def test_a_minor_bump_does_not_allow_a_breaking_change(results: dict[str, Result]) -> None:
    result = results["breaking, minor bump"]
    assert result.code == 1
    assert EXPECTED["removed operation"] in result.listed("breaking")
    assert result.verdict.endswith(f"info.version {NEXT_MINOR} must be {NEXT_MAJOR} or higher.")


def test_an_enum_narrowed_on_the_request_side_breaks_on_the_response_side_not(
    results: dict[str, Result],
) -> None:
    result = results["enum value removed, verbose"]
    assert result.code == 1
    assert EXPECTED["enum value removed"] in result.listed("breaking")  # the query parameter
    assert all(": response " not in line for line in result.listed("breaking"))
    responses = [line for line in result.listed("non-breaking") if ": response 200" in line]
    assert responses
    assert all('enum value "archived" of `' in line for line in responses), responses


def test_an_enum_widened_on_the_response_side_breaks_on_the_request_side_not(
    results: dict[str, Result],
) -> None:
    # api-smart-diff's rule: a client may not know what to do with a new value it reads.
    result = results["enum value added, verbose"]
    assert result.code == 1
    assert result.listed("breaking")
    assert all(": response " in line for line in result.listed("breaking"))
    query = f'{title(BASE, "listAdminArticles")}: query parameter `status`: enum value "gate_probe"'
    assert f"{query} added" in result.listed("non-breaking")


def test_removing_an_optional_response_field_breaks_by_the_gate_rule(
    results: dict[str, Result],
) -> None:
    result = results["removed optional response field"]
    assert result.code == 1
    expected = EXPECTED["removed response field"] + " [gate rule: removed field]"
    assert expected in result.listed("breaking")


# --- what passes --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NON_BREAKING)
def test_a_non_breaking_change_passes_under_the_released_version(
    results: dict[str, Result], name: str
) -> None:
    result = results[name]
    assert result.code == 0, result.stdout
    assert result.listed("breaking") == []
    assert "Changes: 0 breaking," in result.stdout
    assert result.verdict == (
        f"PASS: no breaking changes. The contract changed since release {VERSION} but "
        "info.version did not (development between releases): raise it when you release."
    )


def test_a_non_breaking_change_passes_with_a_minor_bump(results: dict[str, Result]) -> None:
    result = results["non-breaking, minor bump"]
    assert result.code == 0
    assert "Changes: 0 breaking, 1 non-breaking," in result.stdout
    assert result.verdict == f"PASS: no breaking changes since release {VERSION}."


def test_an_identical_contract_passes(results: dict[str, Result]) -> None:
    result = results["identical"]
    assert result.code == 0
    assert "Identical to the last release." in result.stdout
    assert result.verdict == f"PASS: no breaking changes since release {VERSION}."


def test_a_version_bump_alone_passes(results: dict[str, Result]) -> None:
    result = results["version bump only"]
    assert result.code == 0
    assert "Changes: 0 breaking, 0 non-breaking," in result.stdout


def test_no_release_yet_passes(results: dict[str, Result]) -> None:
    result = results["no releases yet"]
    assert result.code == 0
    assert result.verdict.startswith("PASS: no release in ")


# --- versions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "released"),
    [("lower version", NEXT_MINOR), ("pre-release of the release", VERSION)],
)
def test_a_version_lower_than_the_release_fails(
    results: dict[str, Result], name: str, released: str
) -> None:
    result = results[name]
    assert result.code == 1
    assert result.verdict.startswith("FAIL: info.version ")
    assert result.verdict.endswith(f" is lower than the last release {released}.")


@pytest.mark.parametrize("bad", INVALID_VERSIONS)
def test_an_invalid_semantic_version_fails(results: dict[str, Result], bad: str) -> None:
    result = results[f"version {bad!r}"]
    assert result.code == 1
    assert result.verdict.startswith(f"FAIL: info.version {json.dumps(bad)} is not a semantic")


def test_the_last_release_is_the_highest_version_not_the_last_name(
    results: dict[str, Result],
) -> None:
    result = results["highest version"]
    assert result.code == 0, result.stdout
    assert "1.10.0.json (1.10.0)" in result.stdout
    assert "Identical to the last release." in result.stdout


# --- usage errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("contract is not JSON", "is not JSON"),
        ("misnamed release", "latest.json: release files are named <semver>.json"),
        ("release disagrees with its name", f'9.0.0.json has info.version "{VERSION}", not 9.0.0'),
    ],
)
def test_unusable_files_are_usage_errors(
    results: dict[str, Result], name: str, message: str
) -> None:
    result = results[name]
    assert result.code == 2
    assert message in result.stderr
    assert result.stdout == ""


# --- releasing ----------------------------------------------------------------------------


def test_release_copies_the_contract_into_a_new_directory(results: dict[str, Result]) -> None:
    result = results["release: the first"]
    assert result.code == 0, result.stdout
    assert (result.releases / f"{VERSION}.json").read_bytes() == result.contract.read_bytes()
    assert result.verdict.startswith(f"Released {VERSION}: wrote ")


def test_release_of_a_new_version_adds_its_file(results: dict[str, Result]) -> None:
    result = results["release: a new version"]
    assert result.code == 0, result.stdout
    assert sorted(path.name for path in result.releases.iterdir()) == sorted(
        [f"{VERSION}.json", f"{NEXT_MINOR}.json"]
    )
    assert (result.releases / f"{NEXT_MINOR}.json").read_bytes() == result.contract.read_bytes()


def test_release_again_with_the_same_content_does_nothing(results: dict[str, Result]) -> None:
    result = results["release: exists, same content"]
    assert result.code == 0
    assert result.verdict.endswith("already: nothing to do.")


def test_release_refuses_an_existing_version_with_other_content(
    results: dict[str, Result],
) -> None:
    result = results["release: exists, other content"]
    assert result.code == 1
    assert f"FAIL: release {VERSION} exists" in result.stdout
    assert json.loads((result.releases / f"{VERSION}.json").read_text()) == BASE


def test_release_refuses_a_breaking_change_without_a_major_bump(
    results: dict[str, Result],
) -> None:
    result = results["release: breaking, minor bump"]
    assert result.code == 1
    assert EXPECTED["removed operation"] in result.listed("breaking")
    assert result.verdict == "Release refused."
    assert not (result.releases / f"{NEXT_MINOR}.json").exists()


# --- the script itself --------------------------------------------------------------------


def gate(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATE, *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize(("name", "code"), [("identical", 0), ("removed operation", 1)])
def test_the_script_exits_with_the_verdict_and_prints_the_batch_report(
    results: dict[str, Result], name: str, code: int
) -> None:
    run = gate(results[name].contract, results[name].releases)
    assert run.returncode == code
    assert run.stdout == results[name].stdout


def test_bad_arguments_exit_2_with_the_usage(tmp_path: Path) -> None:
    for args in (["--bogus"], ["a.json", "releases", "extra"], [tmp_path / "missing.json"]):
        run = gate(*args)
        assert run.returncode == 2, args
        assert "usage: contract-gate" in run.stderr
        assert run.stdout == ""


def test_the_script_says_so_when_node_is_missing(tmp_path: Path) -> None:
    for tool in ("bash", "dirname"):  # all the script needs before it looks for node
        (tmp_path / tool).symlink_to(shutil.which(tool) or tool)
    run = gate(env={**os.environ, "PATH": str(tmp_path)})
    assert run.returncode == 2
    assert "node not found" in run.stderr
