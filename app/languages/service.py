"""Languages: looked up by URL code, by BCP 47 tag, and validated where content names them."""

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Unprocessable
from app.models import Language


async def list_all(session: AsyncSession) -> list[Language]:
    rows = await session.scalars(select(Language).order_by(Language.position, Language.code))
    return list(rows)


async def get(session: AsyncSession, code: str) -> Language | None:
    return await session.get(Language, code)


async def by_bcp47(session: AsyncSession, tag: str) -> Language | None:
    return await session.scalar(select(Language).where(func.lower(Language.bcp47) == tag.lower()))


async def require(
    session: AsyncSession, codes: Iterable[str], *, loc: tuple[str, ...] = ("body",)
) -> dict[str, Language]:
    """The languages named by `codes`; 422 naming each unknown one."""
    wanted = set(codes)
    if not wanted:
        return {}
    found = {
        lang.code: lang
        for lang in await session.scalars(select(Language).where(Language.code.in_(wanted)))
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise Unprocessable(
            f"Unknown language code(s): {', '.join(missing)}.",
            errors=[
                {"loc": [*loc, code], "msg": "Unknown language", "type": "language"}
                for code in missing
            ],
        )
    return found
