"""The OpenAPI contract as served and committed: FastAPI's document, finished.

FastAPI describes what each route declares. What the middleware adds to every response
(request ids, rate limits, body limits, idempotent replays, the problem format) is written
here once, by rule, so that no operation can forget it:

- every 4xx/5xx is `application/problem+json` with the one `Problem` schema;
- every response declares `X-Request-ID`;
- `/v1/` operations can answer 429 with `Retry-After` (the rate limits);
- operations with a request body can answer 413 (the body limit);
- creates that take an `Idempotency-Key` can answer 409 (the same key still in flight)
  and mark replays with `Idempotent-Replayed`;
- a 412 may carry the resource's current `ETag`; a 401 carries `WWW-Authenticate`;
- every operation can answer 422 (unknown or repeated query parameters, `app.kit.query`);
- every operation but the liveness probe and the problem catalogue can answer 503 with
  `Retry-After` (the database did not answer in time: `app.ops.outage`);
- parameters marked `x-newsdesk-required` are required (If-Match of writes that answer
  428 themselves rather than 422);
- maps keyed by language code are typed maps (`additionalProperties`);
- public GETs (cached, see `app.cache`) declare `If-None-Match`, 304, `ETag`,
  `Cache-Control` and `Surrogate-Key`;
- public responses of a language (`/v1/{lang}/...`) declare `Content-Language` and
  `Cache-Control`, and those operations the 308 of a BCP 47 tag given for `{lang}`
  (`app.languages.deps`).

Routers name the other headers they set with `headers(...)`.
"""

from http import HTTPStatus
from typing import Any

from app.errors import PROBLEM_MEDIA_TYPE
from app.kit.etags import MAX_IF_NONE_MATCH
from app.paths import Area, area_of, is_api, is_language_template, is_public

_PROBLEM = {"$ref": "#/components/schemas/Problem"}

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The version of the returned resource (a strong entity tag). Send it "
        "back in `If-Match` to change the resource only if nobody else has.",
        "schema": {"type": "string", "examples": ['"article-6f1c…-v3"']},
        "required": True,
    },
    "Link": {
        "description": 'RFC 8288 links: the next page (`rel="next"`), or the other language '
        'versions of an article (`rel="alternate"; hreflang="…"`).',
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The URL of the created resource (201) or of the target (3xx).",
        "schema": {"type": "string", "format": "uri-reference"},
        "required": True,
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
        "required": True,
    },
    "Content-Language": {
        "description": "BCP 47 tag of the response's language.",
        "schema": {"type": "string", "examples": ["uk-UA"]},
        "required": True,
    },
    "Cache-Control": {
        "description": "How long shared caches may keep the response "
        "(`NEWSDESK_CACHE_CONTROL`; `private, no-store` for previews).",
        "schema": {"type": "string"},
        "required": True,
    },
    "Vary": {
        "description": "The request headers the response depends on.",
        "schema": {"type": "string"},
        "required": True,
    },
    "X-Request-ID": {
        "description": "The request's id, as sent by the client or made up by the server; "
        "it is in the server's logs.",
        "schema": {"type": "string"},
        "required": True,
    },
    "Surrogate-Key": {
        "description": "Space-separated names of what the response shows (the article, its "
        "language version, its terms, its cover, the lists of its language), for purging a "
        "CDN exactly: a write purges the keys it changed.",
        "schema": {"type": "string", "examples": ["article-03ba464b-… list-ua lists"]},
        "required": True,
    },
    "WWW-Authenticate": {
        "description": "The authentication scheme to use: `Bearer` (RFC 6750), with "
        '`error="invalid_token"` when a credential was sent but is unknown, expired or '
        "revoked.",
        "schema": {"type": "string", "examples": ['Bearer realm="newsdesk"']},
        "required": True,
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an earlier request with "
        "the same `Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}


def headers(*names: str) -> dict[str, dict[str, Any]]:
    """OpenAPI `headers` entries that point at the shared header components."""
    for name in names:
        if name not in HEADERS:
            raise KeyError(f"no header component {name!r}")
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def optional_header(name: str) -> dict[str, dict[str, Any]]:
    """A header that is usually always sent, where it may be missing."""
    return {name: {k: v for k, v in HEADERS[name].items() if k != "required"}}


def created() -> dict[int | str, dict[str, Any]]:
    """The 201 of a create: where the new resource is."""
    return {201: {"headers": headers("Location")}}


def _problem(status: int, description: str | None = None) -> dict[str, Any]:
    """A problem response; `finish` gives every 4xx/5xx its content."""
    return {"description": description or HTTPStatus(status).phrase}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
    ]


def _is_cached_read(path: str, method: str, operation: dict[str, Any]) -> bool:
    """A public GET that answers 200 with `public` caching (not a preview)."""
    return (
        method == "get"
        and is_public(path)
        and "/preview/" not in path
        and "200" in operation.get("responses", {})
    )


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags the client holds: 304 Not Modified when the current one is among them.",
    "schema": {"type": "string", "maxLength": MAX_IF_NONE_MATCH},
}


def _is_idempotent_create(operation: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
        for p in operation.get("parameters", [])
    )


def _required_marks(operation: dict[str, Any]) -> None:
    """Parameters a dependency checks itself (If-Match: 428, not 422) are still required
    in the contract: `x-newsdesk-required` in their schema says so."""
    for parameter in operation.get("parameters", []):
        if parameter.get("schema", {}).pop("x-newsdesk-required", False):
            parameter["required"] = True


def _keyed_maps(node: Any) -> None:
    """`{lang: value}` maps as `additionalProperties` + `propertyNames`, not Pydantic's
    `patternProperties` (with `additionalProperties: false`): the same rule, and
    generators type the values (`dict[str, X]`)."""
    if isinstance(node, dict):
        patterns = node.get("patternProperties")
        others = node.get("additionalProperties", False)
        if isinstance(patterns, dict) and len(patterns) == 1 and others is False:
            ((pattern, value),) = patterns.items()
            del node["patternProperties"]
            node["additionalProperties"] = value
            node["propertyNames"] = {"pattern": pattern}
        for child in node.values():
            _keyed_maps(child)
    elif isinstance(node, list):
        for child in node:
            _keyed_maps(child)


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    """Apply the cross-cutting rules above to FastAPI's document, in place."""
    _keyed_maps(schema)
    components = schema.setdefault("components", {})
    components["headers"] = {name: dict(spec) for name, spec in HEADERS.items()}
    for name in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(name, None)

    for path, method, operation in _operations(schema):
        responses: dict[str, Any] = operation.setdefault("responses", {})
        cached = _is_cached_read(path, method, operation)
        idempotent = _is_idempotent_create(operation)
        _required_marks(operation)
        # Every route refuses unknown (and repeated) query parameters: `app.kit.query`.
        responses.setdefault("422", _problem(422))
        if cached:
            operation.setdefault("parameters", []).append(dict(IF_NONE_MATCH))
            responses["304"] = {
                "description": "Not modified: the `If-None-Match` ETag is current.",
                "headers": headers("ETag", "Cache-Control"),
            }
        if is_language_template(path):
            responses.setdefault(
                "308",
                {
                    "description": "`{lang}` was the BCP 47 tag of a language whose code "
                    "differs (`uk` for `ua`): the same URL with the code.",
                    "headers": headers("Location"),
                },
            )
        if is_api(path) and (area_of(path) is not Area.AUTH or "429" in responses):
            responses["429"] = _problem(429, "Too many requests: over the rate limit.")
            responses["429"]["headers"] = headers("Retry-After")
        if "requestBody" in operation:
            responses["413"] = _problem(413, "The request body is over the size limit.")
        if not path.startswith(("/healthz", "/problems")):  # every other one may need it
            responses.setdefault(
                "503",
                _problem(503, "The database did not answer in time (`service-unavailable`)."),
            )
            responses["503"].setdefault("headers", {}).update(headers("Retry-After"))
        if idempotent:
            responses.setdefault(
                "409", _problem(409, "Conflict (or the same `Idempotency-Key` is in flight).")
            )
            # A retry of a create whose answer held a secret: 409, marked as a replay.
            responses["409"].setdefault("headers", {}).update(headers("Idempotent-Replayed"))
        for code, response in responses.items():
            if code[0] in "45":
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM)}}
                response.pop("model", None)
                if code == "422":
                    response["description"] = "Validation error: the problem lists each field."
            declared = response.setdefault("headers", {})
            if code == "412":
                declared.update(optional_header("ETag"))
            if code == "401":
                declared.update(headers("WWW-Authenticate"))
            if code == "200" and cached:
                declared.update(headers("ETag", "Cache-Control", "Surrogate-Key"))
            if code[0] == "2":
                if is_language_template(path):
                    declared.update(headers("Content-Language", "Cache-Control"))
                if idempotent:
                    declared.update(headers("Idempotent-Replayed"))
            declared.update(headers("X-Request-ID"))
        operation["responses"] = dict(sorted(responses.items()))
    return schema
