"""Unknown query parameters are refused: a filter silently ignored is how drafts leak."""

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.errors import Unprocessable

_ALLOWED_CACHE: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed(route: APIRoute) -> frozenset[str]:
    key = id(route)
    if key not in _ALLOWED_CACHE:
        _ALLOWED_CACHE[key] = frozenset(_query_names(route.dependant))
    return _ALLOWED_CACHE[key]


async def forbid_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params.keys()) - _allowed(route))
    if unknown:
        raise Unprocessable(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            errors=[
                {
                    "loc": ["query", name],
                    "msg": "Unknown query parameter",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ],
        )
