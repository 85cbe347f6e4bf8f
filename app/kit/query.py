"""Query strings are checked before any endpoint runs: unknown parameters are refused (a
filter silently ignored is how drafts leak), and so is a single-valued parameter given
twice (`tag=a&tag=b`: which one wins would be an accident, and a cache that orders the
query would serve one order's answer for the other)."""

from types import UnionType
from typing import Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.errors import Unprocessable

_NAMES_CACHE: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _takes_many(annotation: object) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_takes_many(arg) for arg in get_args(annotation))
    return (origin or annotation) in (list, set, frozenset, tuple)


def _query_params(dependant: Dependant) -> dict[str, bool]:
    """Every query parameter of the route and its dependencies: name -> takes a list."""
    names = {
        param.alias: _takes_many(param.field_info.annotation) for param in dependant.query_params
    }
    for sub in dependant.dependencies:
        names |= _query_params(sub)
    return names


def _names(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """(every allowed name, the single-valued ones)."""
    key = id(route)
    if key not in _NAMES_CACHE:
        params = _query_params(route.dependant)
        _NAMES_CACHE[key] = (
            frozenset(params),
            frozenset(name for name, many in params.items() if not many),
        )
    return _NAMES_CACHE[key]


async def forbid_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed, single = _names(route)
    names = [name for name, _ in request.query_params.multi_items()]
    unknown = sorted(set(names) - allowed)
    repeated = sorted({name for name in single if names.count(name) > 1})
    errors = [
        {"loc": ["query", name], "msg": "Unknown query parameter", "type": "extra_forbidden"}
        for name in unknown
    ] + [
        {"loc": ["query", name], "msg": "Given more than once", "type": "repeated_parameter"}
        for name in repeated
    ]
    if unknown:
        raise Unprocessable(f"Unknown query parameter(s): {', '.join(unknown)}.", errors=errors)
    if repeated:
        raise Unprocessable(
            f"Query parameter(s) given more than once: {', '.join(repeated)}.", errors=errors
        )
