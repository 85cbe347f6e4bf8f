"""The catalogue of problem types: every `type` an error of this API can carry, once.

A problem's `type` is `/problems/{code}`; `GET /problems/{code}` answers the entry below,
and `docs/errors.md` is made from this list (`python -m app.problems`). A code answered
anywhere in `app/` but missing here fails `tests/test_problem_catalogue.py`, which reads
every place a problem is made (the `AppError` classes, `problem_response(...)` calls, the
image checks and the HTTP protocol's own refusals). A leaf module: it imports nothing
from `app`, so the error classes and the contract can both read it.
"""

from dataclasses import dataclass

PREFIX = "/problems/"
CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


@dataclass(frozen=True)
class ProblemType:
    code: str
    title: str
    statuses: tuple[int, ...]
    description: str
    what_to_do: str
    members: tuple[str, ...] = ()  # members the problem carries beyond the standard five

    @property
    def type(self) -> str:
        return PREFIX + self.code


_TYPES = (
    ProblemType(
        "bad-request", "Bad request", (400,),
        "The request cannot be read as HTTP: a `Content-Length` that is not a number, or a "
        "request line the server cannot parse.",
        "Fix the client or the proxy in front of it; retrying the same bytes fails again.",
    ),
    ProblemType(
        "unauthorized", "Unauthorized", (401,),
        "The operation needs a credential and the request has none, or its bearer token is "
        "unknown, expired or revoked (the `WWW-Authenticate` header says which); at "
        "`POST /v1/auth/token`, the e-mail or password is wrong.",
        "Send `Authorization: Bearer <API key or access token>`; log in again for a new "
        "access token.",
    ),
    ProblemType(
        "forbidden", "Forbidden", (403,),
        "The credential is valid but its role may not do this (a translator creating an "
        "article, an editor managing users), or an `Idempotency-Key` is replayed by a "
        "credential whose role changed since.",
        "Use a credential with the role the operation's description names, or ask an "
        "administrator.",
    ),
    ProblemType(
        "not-found", "Not found", (404,),
        "No route matches the path, or the thing it names does not exist or is not public "
        "(an unknown id or slug, an unknown language, a draft or scheduled version on a "
        "public path, an unknown problem type).",
        "Check the id, slug and language; public paths show published versions only. A "
        "former slug answers 301 to the current one rather than 404.",
    ),
    ProblemType(
        "method-not-allowed", "Method not allowed", (405,),
        "The path exists but not with this method.",
        "Use one of the methods the `Allow` header lists.",
    ),
    ProblemType(
        "request-timeout", "Request timeout", (408,),
        "The request's head or body stopped arriving before the server's time limit; the "
        "connection is closed.",
        "Send the whole request promptly; retry on a new connection.",
    ),
    ProblemType(
        "conflict", "Conflict", (409,),
        "The change conflicts with what exists: a slug, e-mail or language code that is "
        "taken, a thing still in use (a delete refused while articles use it: `articles` "
        "says how many), or a state that does not allow it (a disabled webhook, a revision "
        "with nothing to restore).",
        "Read `detail`; choose another slug or code, or pass `force=true` where the "
        "operation offers it. Retrying unchanged fails again.",
        ("articles",),
    ),
    ProblemType(
        "idempotency-in-progress", "Request in progress", (409,),
        "The first request with this `Idempotency-Key` is still running.",
        "Retry the same request with the same key after a moment: it then answers what the "
        "first one did.",
    ),
    ProblemType(
        "idempotency-answer-lost", "Answer lost", (409,),
        "The first request with this `Idempotency-Key` was carried out, but the server "
        "stopped before recording its answer.",
        "Look up what it created (list the resources) instead of retrying with a new key.",
    ),
    ProblemType(
        "idempotency-secret-not-replayed", "Secret shown once", (409,),
        "The first request with this `Idempotency-Key` succeeded and its answer held a "
        "secret (an API key, a webhook secret), which is shown only once and never stored. "
        "The answer is marked `Idempotent-Replayed: true`; `created` is what was created, "
        "without the secret.",
        "If the secret was lost, revoke what `created` names and create another.",
        ("created",),
    ),
    ProblemType(
        "gone", "Gone", (410,),
        "The thing existed and was deleted or taken down (an archived or deleted article, "
        "the article of a preview link).",
        "Drop it from your site and caches; it will not come back at this URL.",
    ),
    ProblemType(
        "cursor-ahead", "Cursor ahead of the change log", (410,),
        "A change-feed cursor names a position past the end of the log: it comes from "
        "another database, or the log was restored from an older backup.",
        "Start again from the beginning of `GET /v1/changes` (no cursor) and rebuild what "
        "you keep from it.",
    ),
    ProblemType(
        "precondition-failed", "Precondition failed", (412,),
        "The `If-Match` ETag is not the resource's current one: somebody changed it since "
        "you read it (or the tag is weak, which never matches). `current_version` and the "
        "`ETag` header give the current version.",
        "Read the resource again, reapply your change, and send the new ETag in `If-Match`.",
        ("current_version",),
    ),
    ProblemType(
        "payload-too-large", "Payload too large", (413,),
        "The request body, or an uploaded file, is over the size limit "
        "(`NEWSDESK_MAX_BODY_BYTES`, `NEWSDESK_MEDIA_MAX_BYTES`).",
        "Send less: smaller text, or a smaller image file.",
    ),
    ProblemType(
        "unsupported-media-type", "Unsupported media type", (415,),
        "The body's `Content-Type` is not one the operation takes (a translation `PATCH` "
        "needs `application/merge-patch+json`; a media upload JSON or `multipart/form-data`).",
        "Send the body with a content type the operation lists in the contract.",
    ),
    ProblemType(
        "unsupported-image", "Unsupported image", (415,),
        "The uploaded file is not an image of a kind the API takes (JPEG, PNG, GIF, WebP, "
        "AVIF, HEIC).",
        "Convert the picture to JPEG, PNG or WebP and upload it again.",
    ),
    ProblemType(
        "validation-error", "Invalid request", (422,),
        "The request did not validate: a field, path or query parameter, or header is "
        "missing, malformed, out of range, repeated or unknown, or the body is not JSON in "
        "UTF-8. `errors` lists each field (`loc`, `msg`, `type`).",
        "Fix each field `errors` names; the contract gives every field's rules.",
        ("errors",),
    ),
    ProblemType(
        "invalid-image", "Invalid image", (422,),
        "The uploaded file claims to be an image of a kind the API takes but cannot be "
        "read, is too large in pixels, or carries something besides the image (a script, "
        "another file).",
        "Export the picture again from an image editor and upload that.",
    ),
    ProblemType(
        "invalid-import-file", "Not a Newsdesk export", (422,),
        "The file sent to import does not start with the header line of a Newsdesk export "
        "of the format version this server reads (it is empty, not JSON Lines, another "
        "format, or another version).",
        "Send a file `newsdesk export` or `GET /v1/admin/export` wrote (docs/import-export.md); "
        "a WordPress export goes through `newsdesk import-wordpress`.",
    ),
    ProblemType(
        "idempotency-key-reused", "Idempotency key reused", (422,),
        "This `Idempotency-Key` was used before with a different request.",
        "Use a new key for each distinct request; reuse a key only to retry the same one.",
    ),
    ProblemType(
        "precondition-required", "Precondition required", (428,),
        "The write needs an `If-Match` header with the resource's current ETag, and has "
        "none. `current_version` gives the current version.",
        "Read the resource, then send its `ETag` in `If-Match` with the write.",
        ("current_version",),
    ),
    ProblemType(
        "rate-limited", "Too many requests", (429,),
        "Over the rate limit: per client address on public paths, per credential on the "
        "management API, per address for logins.",
        "Wait the seconds `Retry-After` gives, then retry; cache public answers (they carry "
        "`ETag` and `Cache-Control`).",
    ),
    ProblemType(
        "request-header-fields-too-large", "Request header fields too large", (431,),
        "The request line and headers are over the server's limit; the connection is "
        "closed.",
        "Send fewer or shorter headers (cookies are the usual cause).",
    ),
    ProblemType(
        "internal-error", "Internal server error", (500,),
        "Something went wrong on the server's side; the error was logged with the request "
        "id.",
        "Retry later; if it persists, report it with `request_id`.",
    ),
    ProblemType(
        "not-ready", "Not ready", (503,),
        "`GET /readyz`: the database is unreachable, or its schema is not at the "
        "migrations' head.",
        "Operators: check the database and run `newsdesk migrate`; load balancers: send "
        "traffic elsewhere meanwhile.",
    ),
    ProblemType(
        "service-unavailable", "Service unavailable", (503,),
        "The database did not answer in time or refused the request: it is stopped, "
        "restarting, frozen, out of connections, locked, read-only or out of disk. Nothing "
        "was changed by this request.",
        "Retry after the seconds in `Retry-After` (a write with the same "
        "`Idempotency-Key`, so that it is made once). Operators: `/readyz` says whether the "
        "database answers; the log says why once in a while.",
    ),
    ProblemType(
        "secret-key-unavailable", "No server key", (503,),
        "The server key that encrypts webhook secrets cannot be read or made, so a webhook "
        "secret cannot be created or shown.",
        "Operators: set `NEWSDESK_SECRET_KEY`, or make `NEWSDESK_SECRET_KEY_FILE` readable "
        "and writable; then retry.",
    ),
)  # fmt: skip

CATALOGUE: dict[str, ProblemType] = {t.code: t for t in _TYPES}


def find(code: str) -> ProblemType | None:
    return CATALOGUE.get(code)


def markdown() -> str:
    """`docs/errors.md`: the catalogue for people, from the list above."""
    lines = [
        "# Error types",
        "",
        "Every error this API answers is an RFC 9457 problem (`application/problem+json`):",
        "`type`, `title`, `status`, `detail`, `instance` and `request_id`, plus the members",
        "a type lists below. The `type` is `/problems/{code}`, relative to the API's origin;",
        "`GET /problems/{code}` answers that type's entry as JSON (`getProblemType`), and",
        "`GET /problems` lists them all (`listProblemTypes`). Branch on `type`, never on",
        "`title` or `detail` (words may change; a `type` does not).",
        "",
        "This page is generated from `app/problems/catalogue.py` (`python -m app.problems`);",
        "a test fails when the two differ, and when a code is answered but not catalogued.",
        "",
        "| Type | Status | Title |",
        "| --- | --- | --- |",
    ]
    for t in _TYPES:
        statuses = ", ".join(str(s) for s in t.statuses)
        lines.append(f"| [`{t.code}`](#{t.code}) | {statuses} | {t.title} |")
    for t in _TYPES:
        lines += ["", f"## {t.code}", "", f"`{t.type}` · {t.title} · HTTP "
                  + ", ".join(str(s) for s in t.statuses), "", t.description, "",
                  f"**What to do:** {t.what_to_do}"]  # fmt: skip
        if t.members:
            lines += ["", "**Members:** " + ", ".join(f"`{m}`" for m in t.members)]
    return "\n".join(lines) + "\n"
