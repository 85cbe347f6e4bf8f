"""Every request body and 2xx JSON response in the contract shows an example, and every
example is valid both for its Pydantic model and for the contract's own JSON Schema.

The contract is the same on every database, so it comes from `create_app(...).openapi()`
(as `scripts/openapi` makes it) rather than the per-database `client`; the drift test
checks that this is what the app serves.
"""

import copy
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from pydantic import BaseModel, ValidationError

from app.config import Settings
from app.kit.examples import restore_null_examples
from app.main import create_app

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
FORMS = (FORM, "multipart/form-data")
# JSON bodies under another name: a translation's JSON Merge Patch (RFC 7396).
JSON_TYPES = (JSON, "application/merge-patch+json")
APP_DIR = Path(__file__).resolve().parents[1] / "app"

# Bodies that no Pydantic model of ours describes, so they carry no schema-level example.
WITHOUT_EXAMPLES = {
    ("getFeed", "200"): "RSS 2.0 XML",
    ("getAtomFeed", "200"): "Atom 1.0 XML",
    ("getJsonFeed", "200"): "JSON Feed 1.1 (its own format: jsonfeed.org)",
    ("getSitemap", "200"): "sitemap index XML",
    ("getSitemapPage", "200"): "sitemap XML",
    ("getNewsSitemap", "200"): "Google News sitemap XML",
    ("exportContent", "200"): "JSON Lines of the export format (docs/import-export.md)",
    ("getMetrics", "200"): "Prometheus text format (an `example`, docs/operations.md#metrics)",
}


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite+aiosqlite:///:memory:")).openapi()


@pytest.fixture(scope="module")
def models() -> dict[str, type[BaseModel]]:
    """Every model of the `app/*/schemas.py` modules, by name (= its component name)."""
    found: dict[str, type[BaseModel]] = {}
    for path in sorted(APP_DIR.glob("*/schemas.py")):
        module = importlib.import_module(f"app.{path.parent.name}.schemas")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                found[value.__name__] = value
    return found


def _bodies(contract: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(operationId, "request" or the status code, media type, schema) of every body."""
    for item in contract["paths"].values():
        for operation in item.values():
            body = operation.get("requestBody", {}).get("content", {})
            for media_type, content in body.items():
                yield operation["operationId"], "request", media_type, content["schema"]
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    for media_type, content in response.get("content", {}).items():
                        yield operation["operationId"], status, media_type, content["schema"]


def _component_names(schema: dict[str, Any]) -> list[str]:
    """The component(s) a body schema stands for: a `$ref`, or the `$ref`s of an optional
    body's `anyOf: [{$ref}, {type: null}]`."""
    branches = schema.get("anyOf", [schema])
    return [b["$ref"].removeprefix("#/components/schemas/") for b in branches if "$ref" in b]


def _validator(schema: dict[str, Any], contract: dict[str, Any]) -> Any:
    """Draft 2020-12, formats checked; the components ride along so `$ref`s resolve."""
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": contract["components"]}, validate_formats=True
    )


def test_every_json_body_has_examples(contract: dict[str, Any]) -> None:
    components = contract["components"]["schemas"]
    without: set[tuple[str, str]] = set()
    for operation_id, where, media_type, schema in _bodies(contract):
        targets = [components[name] for name in _component_names(schema)] or [schema]
        if media_type not in (*JSON_TYPES, *FORMS) or not all(
            target.get("examples") for target in targets
        ):
            without.add((operation_id, where))
    missing = sorted(without - WITHOUT_EXAMPLES.keys())
    stale = sorted(WITHOUT_EXAMPLES.keys() - without)
    assert not missing, f"bodies without `examples` (add them to the model): {missing}"
    assert not stale, f"allowlisted but now covered or gone (drop from the list): {stale}"


def test_request_bodies_still_refuse_unknown_fields(
    contract: dict[str, Any], models: dict[str, type[BaseModel]]
) -> None:
    components = contract["components"]["schemas"]
    for _, where, media_type, schema in _bodies(contract):
        if where != "request" or media_type not in JSON_TYPES:
            continue
        for name in _component_names(schema):
            assert models[name].model_config.get("extra") == "forbid", name
            assert components[name].get("additionalProperties") is False, name


def _authored(model: type[BaseModel]) -> list[Any]:
    """The model's examples as written, before FastAPI encodes the contract."""
    examples: list[Any] = model.model_json_schema()["examples"]
    return examples


def test_every_model_example_is_valid(
    contract: dict[str, Any], models: dict[str, type[BaseModel]]
) -> None:
    problems: list[str] = []
    checked = 0
    for name, schema in contract["components"]["schemas"].items():
        if "examples" not in schema:
            continue
        assert name in models, f"{name} has examples but no model in app/*/schemas.py"
        model = models[name]
        validator = _validator({"$ref": f"#/components/schemas/{name}"}, contract)
        for i, example in enumerate(_authored(model)):
            checked += 1
            where = f"{name}.examples[{i}]"
            problems += [
                f"{where}: JSON Schema: {e.message}" for e in validator.iter_errors(example)
            ]
            try:
                parsed = model.model_validate(example)
            except ValidationError as exc:
                problems.append(f"{where}: {model.__name__}: {exc}")
                continue
            # Read models ignore unknown keys: a misspelt field would pass unseen otherwise.
            again = parsed.model_dump(mode="json", exclude_unset=True)
            if again != example:
                problems.append(f"{where}: the model gives back {again!r}")
    assert checked, "no examples found"
    assert not problems, "\n".join(problems)


def test_the_contract_keeps_the_examples_as_written(
    contract: dict[str, Any], models: dict[str, type[BaseModel]]
) -> None:
    changed = [
        name
        for name, schema in contract["components"]["schemas"].items()
        if "examples" in schema and schema["examples"] != _authored(models[name])
    ]
    assert not changed, f"examples that lost their nulls in the contract: {changed}"


def test_restoring_the_examples_brings_the_nulls_back(
    contract: dict[str, Any], models: dict[str, type[BaseModel]]
) -> None:
    document = copy.deepcopy(contract)
    restore_null_examples(document)
    for name, schema in document["components"]["schemas"].items():
        if "examples" in schema:
            assert schema["examples"] == _authored(models[name]), name


def test_every_field_example_is_valid(contract: dict[str, Any]) -> None:
    problems: list[str] = []
    for name, schema in contract["components"]["schemas"].items():
        for field, field_schema in schema.get("properties", {}).items():
            validator = _validator(field_schema, contract)
            for i, example in enumerate(field_schema.get("examples", [])):
                problems += [
                    f"{name}.{field}.examples[{i}]: {e.message}"
                    for e in validator.iter_errors(example)
                ]
    assert not problems, "\n".join(problems)
