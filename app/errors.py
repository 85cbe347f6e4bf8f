"""RFC 9457 problem details: the one error shape, and the handlers that render it."""

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("newsdesk.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where the error is: body, query, path, header.")
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem: every error this API answers has this shape."""

    type: str = Field(
        description="What kind of problem this is: `/problems/{code}`, a URI relative to "
        "the API's origin. `GET` it (`getProblemType`) for what it means and what to do; "
        "`GET /problems` (`listProblemTypes`) and docs/errors.md list every type. Branch on "
        "`type`, never on `title` or `detail`.",
        examples=["/problems/not-found"],
    )
    title: str = Field(
        description="A short summary of the type, the same for every problem of the type.",
        examples=["Not found"],
    )
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong in this occurrence, for people (its words may change).",
        examples=["No public article 'kyiv-metro' in language 'en'."],
    )
    instance: str | None = Field(
        default=None, description="The path of the request the problem answers, when known."
    )
    errors: list[FieldError] | None = Field(
        default=None, description="Field errors, for validation problems."
    )
    current_version: int | None = Field(
        default=None, description="The current version, for 412 Precondition Failed."
    )
    created: dict[str, Any] | None = Field(
        default=None,
        description="For `idempotency-secret-not-replayed`: what the first request with the "
        "key created, without the secret it showed once.",
    )
    articles: int | None = Field(
        default=None,
        description="For a delete refused because articles use the thing (409): how many "
        "articles use it; `force=true` removes it from them.",
        examples=[3],
    )
    request_id: str | None = Field(
        default=None,
        description="The request's id (the `X-Request-ID` header): quote it when reporting "
        "a problem; the server's logs carry it.",
        examples=["7f3c9a0e2b6d4c1f8e5a9b0c1d2e3f40"],
    )


class AppError(Exception):
    """A domain error that carries its HTTP status; rendered as problem+json."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFound(AppError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class Gone(AppError):
    status, code, title = 410, "gone", "Gone"


class PreconditionFailed(AppError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(AppError):
    status, code, title = 428, "precondition-required", "Precondition required"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class NotAnExport(AppError):
    status, code, title = 422, "invalid-import-file", "Not a Newsdesk export"


class Unprocessable(AppError):
    status, code, title = 422, "validation-error", "Invalid request"

    @classmethod
    def at(cls, loc: list[str | int], detail: str, *, msg: str, type: str) -> "Unprocessable":
        """A validation problem about one field, shaped like FastAPI's own field errors."""
        return cls(detail, errors=[{"loc": loc, "msg": msg, "type": type}])


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class TooManyRequests(AppError):
    status, code, title = 429, "rate-limited", "Too many requests"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class ProblemResponse(JSONResponse):
    """A problem+json response that names the request it answers: the id is read from the
    scope when the response is sent (`ObserveMiddleware` puts it there), so problems made
    by middleware, handlers and routes all carry it."""

    media_type = PROBLEM_MEDIA_TYPE

    def __init__(
        self, content: dict[str, Any], status_code: int, headers: dict[str, str] | None = None
    ) -> None:
        self.problem = content
        super().__init__(content, status_code=status_code, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id")
        if request_id and "request_id" not in self.problem:
            self.problem = {**self.problem, "request_id": request_id}
            self.body = self.render(self.problem)
            self.raw_headers = [
                (k, str(len(self.body)).encode() if k == b"content-length" else v)
                for k, v in self.raw_headers
            ]
        await super().__call__(scope, receive, send)


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return ProblemResponse(body, status_code=status, headers=headers)


def _status_code(status: int) -> str:
    """The problem code of an HTTP error raised by the framework (Starlette's 404 and 405,
    a 400 or 413 of a body): the status's phrase, as `app.problems.catalogue` lists it."""
    if status == 413:
        return PayloadTooLarge.code
    return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")


# The titles of the types the framework's errors map to, as the error classes spell them.
_TITLES = {
    cls.code: cls.title
    for cls in (AppError, Unauthorized, Forbidden, NotFound, Conflict, Gone, PayloadTooLarge)
} | {"method-not-allowed": "Method not allowed"}


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        request=request,
        headers=exc.headers,
        **exc.extra,
    )


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method served at this path: Starlette's 405 names only the first route's."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            isinstance(route, BaseRoute)
            and route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in routes
        )
    ]
    if "GET" in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")  # HeadAsGetMiddleware answers it
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI could not read the body (invalid UTF-8, nesting too deep): bad input, 422.
        return problem_response(
            422,
            "validation-error",
            "Invalid request",
            "The request body is not valid JSON in UTF-8.",
            request=request,
            errors=[{"loc": ["body"], "msg": "Invalid JSON body", "type": "json_invalid"}],
        )
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": _allowed_methods(request)}
    phrase = HTTPStatus(exc.status_code).phrase
    code = _status_code(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    # One title per type (RFC 9457 §3.1.3), whichever layer answers: the error class's.
    phrase = _TITLES.get(code, phrase)
    if exc.status_code == 404 and detail is None:
        detail = f"No route matches {request.url.path}."
    elif exc.status_code == 405 and detail is None:
        detail = f"Method {request.method} is not allowed on {request.url.path}."
    return problem_response(
        exc.status_code,
        code,
        phrase,
        detail or phrase,
        request=request,
        headers=dict(exc.headers) if exc.headers else None,
    )


def _jsonable_loc(loc: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": _jsonable_loc(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e["type"]}
        for e in exc.errors()
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
    return problem_response(
        422,
        "validation-error",
        "Invalid request",
        f"The request did not validate: {fields}." if fields else "The request did not validate.",
        request=request,
        errors=errors,
    )


def internal_error(path: str | None = None) -> JSONResponse:
    return problem_response(
        500,
        "internal-error",
        "Internal server error",
        "Something went wrong on our side; the error was logged with the request id.",
        instance=path,
    )


class UnhandledErrorMiddleware:
    """Any exception becomes a 500 problem *inside* the request-id, security-header and
    CORS middlewares (Starlette's own handler sits outside all of them, so its 500 had
    none of their headers). A response already started cannot be replaced: the error is
    logged and the connection closed by the server.

    `outage`: the answer to an error that is an outage rather than a bug (a database that
    does not answer: `app.ops.outage.answer`), or None for a bug."""

    def __init__(
        self, app: ASGIApp, outage: Callable[[Exception, Scope], ASGIApp | None] | None = None
    ) -> None:
        self.app = app
        self.outage = outage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            answer = self.outage(exc, scope) if self.outage is not None else None
            if answer is not None:  # not a bug: logged once in a while, answered 503
                if started:
                    raise
                await answer(scope, receive, send)
                return
            request_id = scope.get("state", {}).get("request_id")
            log.exception(
                "unhandled error on %s %s (request %s)",
                scope.get("method"),
                scope.get("path"),
                request_id,
                extra={"request_id": request_id},
            )
            if started:
                raise
            await internal_error(scope.get("path"))(scope, receive, send)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # The database caught what the service checks missed (a race, or a reference in use).
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        409,
        "conflict",
        "Conflict",
        "The change conflicts with existing data (a taken slug, or something still in use).",
        request=request,
    )


async def _stale_data(request: Request, _exc: Exception) -> JSONResponse:
    return problem_response(
        412,
        "precondition-failed",
        "Precondition failed",
        "The resource was changed by another request at the same time; reload and retry.",
        request=request,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(Redirect, _redirect)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    # Exceptions nothing else handles: UnhandledErrorMiddleware (app.main).


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problems an operation can answer (the contract's
    finisher, `app.kit.openapi`, makes each one `application/problem+json`)."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses
    }


class Redirect(Exception):
    """Raised by a dependency to answer with a redirect instead of running the endpoint."""

    def __init__(self, location: str, status: int = 308) -> None:
        super().__init__(location)
        self.location = location
        self.status = status


async def _redirect(_request: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.location, status_code=exc.status)
