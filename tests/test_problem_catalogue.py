"""Every problem `type` the API answers is catalogued once (`app.problems.catalogue`), its
URI resolves (`GET /problems/{code}`), and docs/errors.md is the catalogue.

What is answered is read off the code, so a new code fails here the day it is written:
the `AppError` classes (imported, every module of `app`), every `problem_response(...)`
call, the image checks' `Rejected(...)`, the HTTP protocol's own refusals (`_refuse`), any
`/problems/...` literal, and the statuses the framework raises (`app.errors._status_code`).
"""

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import httpx

import app
from app import errors
from app.errors import AppError
from app.problems.catalogue import CATALOGUE, PREFIX, markdown
from tests.builders import problem
from tests.conftest import Credential

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
# Statuses Starlette and FastAPI raise as `HTTPException` (no route, wrong method, a body
# that cannot be read or is too long, a bad Content-Length), named by `_status_code`.
FRAMEWORK_STATUSES = (400, 404, 405, 413)
# Functions that pass a code they did not write themselves, and where it comes from.
DYNAMIC = {
    ("app/errors.py", "_app_error"): "an AppError's class attributes (checked below)",
    ("app/errors.py", "_http_error"): "_status_code(FRAMEWORK_STATUSES) (checked below)",
}


@dataclass(frozen=True)
class Use:
    where: str
    code: str
    status: int | None
    title: str | None
    title_case_exact: bool = True


def _constants(node: ast.expr | None, kind: type) -> list[object]:
    """The constant values an argument can take (a literal, or a conditional of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, kind):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body, kind) + _constants(node.orelse, kind)
    return []


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


class _Scan(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.function = "<module>"
        self.uses: list[Use] = []
        self.unread: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        # A type URI written out; not the route's own template (`/problems/{code}`).
        if not isinstance(value, str) or "{" in value:
            return
        if value.startswith(PREFIX) and value != PREFIX:
            self.uses.append(Use(self._at(node), value.removeprefix(PREFIX), None, None))

    def visit_Call(self, node: ast.Call) -> None:
        name, args = _callee(node), node.args
        if name in ("problem_response", "Rejected") and len(args) >= 3:
            codes = _constants(args[1], str)
            if not codes and (self.path, self.function) not in DYNAMIC:
                self.unread.append(f"{self._at(node)}: a code that is not a literal")
            statuses = _constants(args[0], int)
            titles = _constants(args[2], str)
            for code in codes:
                status = statuses[0] if len(statuses) == 1 else None
                title = titles[0] if len(titles) == 1 else None
                self.uses.append(Use(self._at(node), str(code), status, title))  # type: ignore[arg-type]
        elif name == "_refuse" and len(args) >= 2:  # app.ops.protocol: type from the title
            for title in _constants(args[1], str):
                code = str(title).lower().replace(" ", "-")
                (status,) = _constants(args[0], int)
                self.uses.append(Use(self._at(node), code, status, str(title), False))  # type: ignore[arg-type]
        elif name == "HTTPException" and args:
            for status in _constants(args[0], int):
                code = errors._status_code(status)  # type: ignore[arg-type]
                self.uses.append(Use(self._at(node), code, status, None))  # type: ignore[arg-type]
        self.generic_visit(node)

    def _at(self, node: ast.AST) -> str:
        return f"{self.path}:{getattr(node, 'lineno', 0)}"


def _scan() -> tuple[list[Use], list[str]]:
    uses: list[Use] = []
    unread: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        scan = _Scan(path.relative_to(ROOT).as_posix())
        scan.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        uses += scan.uses
        unread += scan.unread
    return uses, unread


def _error_classes() -> Iterator[type[AppError]]:
    for module in pkgutil.walk_packages(app.__path__, "app."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop()
        yield cls
        pending += cls.__subclasses__()


def _uses() -> list[Use]:
    uses, unread = _scan()
    assert not unread, f"problem codes this test cannot read (add them to DYNAMIC): {unread}"
    uses += [
        Use(f"{cls.__module__}.{cls.__qualname__}", cls.code, cls.status, cls.title)
        for cls in _error_classes()
    ]
    uses += [
        Use(f"HTTPException({s})", errors._status_code(s), s, errors._TITLES.get(
            errors._status_code(s), HTTPStatus(s).phrase))
        for s in FRAMEWORK_STATUSES
    ]  # fmt: skip
    return uses


def test_every_code_answered_is_catalogued_with_its_status_and_title() -> None:
    wrong: list[str] = []
    for use in _uses():
        entry = CATALOGUE.get(use.code)
        if entry is None:
            wrong.append(f"{use.where}: '{use.code}' is not in app/problems/catalogue.py")
            continue
        if use.status is not None and use.status not in entry.statuses:
            wrong.append(f"{use.where}: '{use.code}' answered with {use.status}, catalogued "
                         f"with {entry.statuses}")  # fmt: skip
        if use.title is not None:
            same = use.title == entry.title
            if not use.title_case_exact:  # the protocol's title is also its reason phrase
                same = use.title.lower() == entry.title.lower()
            if not same:
                wrong.append(f"{use.where}: '{use.code}' titled {use.title!r}, catalogued "
                             f"as {entry.title!r}")  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_every_catalogued_code_is_answered_somewhere() -> None:
    used = {use.code for use in _uses()}
    stale = sorted(set(CATALOGUE) - used)
    assert not stale, f"catalogued but answered nowhere (drop them): {stale}"


def test_the_scan_sees_every_kind_of_use() -> None:
    """The readers above still find what they look for (a refactor could blind them)."""
    where = {use.where.split(":")[0] for use in _uses()}
    for expected in ("app/ops/protocol.py", "app/media/imaging.py", "app/idempotency.py",
                     "app/ratelimit.py", "app/kit/middleware.py", "app.errors.NotFound",
                     "app.changes.service.CursorAhead"):  # fmt: skip
        assert expected in where, expected


def test_docs_errors_md_is_the_catalogue() -> None:
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert doc == markdown(), "stale: .venv/bin/python -m app.problems > docs/errors.md"
    for code in CATALOGUE:
        assert f"\n## {code}\n" in doc


def test_the_catalogue_is_well_formed() -> None:
    for code, entry in CATALOGUE.items():
        assert entry.code == code and entry.type == f"/problems/{code}"
        assert entry.statuses and all(400 <= s <= 599 for s in entry.statuses), code
        assert entry.title and entry.description.endswith(".") and entry.what_to_do, code


# Over HTTP --------------------------------------------------------------------------


async def test_every_type_uri_resolves(client: httpx.AsyncClient) -> None:
    listed = await client.get("/problems")
    assert listed.status_code == 200
    assert [item["code"] for item in listed.json()["items"]] == list(CATALOGUE)
    for code, entry in CATALOGUE.items():
        r = await client.get(entry.type)
        assert r.status_code == 200, code
        body = r.json()
        assert body == next(item for item in listed.json()["items"] if item["code"] == code)
        assert body["type"] == entry.type and body["statuses"] == list(entry.statuses)
        assert isinstance(body["members"], list)


async def test_type_pages_are_public_and_cacheable(client: httpx.AsyncClient) -> None:
    for path in ("/problems", "/problems/not-found"):
        r = await client.get(path)
        assert r.headers["cache-control"].startswith("public")
        assert r.headers["surrogate-key"] == "problems"
        etag = r.headers["etag"]
        again = await client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag
        head = await client.head(path)
        assert head.status_code == 200 and head.content == b""


async def test_unknown_and_hostile_codes_are_problems(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/problems/no-such-thing"), 404)
    assert body["type"] == "/problems/not-found"
    assert "cache-control" not in (await client.get("/problems/no-such-thing")).headers
    for code in ("Not-Found", "not_found", "%00", "не-знайдено", "a" * 65, "-x", "x--y"):
        problem(await client.get(f"/problems/{code}"), 422)
    problem(await client.get("/problems/not-found?x=1"), 422)
    problem(await client.post("/problems/not-found"), 405)


async def test_problems_answered_name_types_that_resolve(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    answers = [
        await client.get("/v1/nowhere"),
        await client.delete("/v1/languages"),
        await client.get("/v1/ua/articles?limit=0"),
        await client.get("/v1/admin/articles"),
        await client.get("/v1/ua/articles/no-such-article"),
        await client.post("/v1/admin/tags", content=b"{", headers={
            **admin.headers, "content-type": "application/json"}),
    ]  # fmt: skip
    seen = set()
    for answer in answers:
        body = answer.json()
        page = await client.get(body["type"])
        assert page.status_code == 200, body["type"]
        assert page.json()["title"] == body["title"], body
        assert answer.status_code in page.json()["statuses"]
        seen.add(body["type"])
    assert len(seen) == 4  # not-found, method-not-allowed, validation-error, unauthorized


def test_the_problem_schema_says_where_the_catalogue_is() -> None:
    description = errors.Problem.model_fields["type"].description or ""
    assert "/problems/{code}" in description and "getProblemType" in description
