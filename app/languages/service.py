"""Languages: looked up by URL code, by BCP 47 tag, and validated where content names them."""

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, Unprocessable
from app.languages import known
from app.languages.schemas import LanguageCreate, LanguageUpdate
from app.models import Base, Language
from app.search.analysis import default_analyser
from app.search.index import rebuild


async def list_all(session: AsyncSession) -> list[Language]:
    rows = await session.scalars(select(Language).order_by(Language.position, Language.code))
    return list(rows)


async def get(session: AsyncSession, code: str) -> Language | None:
    return await session.get(Language, code)


async def by_bcp47(session: AsyncSession, tag: str) -> Language | None:
    return await session.scalar(select(Language).where(func.lower(Language.bcp47) == tag.lower()))


async def require(
    session: AsyncSession, codes: Iterable[str], *, loc: tuple[str, ...] = ("body",)
) -> dict[str, known.Known]:
    """The languages named by `codes`; 422 naming each unknown one. Read once per session
    (`app.languages.known`)."""
    wanted = set(codes)
    if not wanted:
        return {}
    every = await known.of_async(session)
    found = {code: every[code] for code in wanted if code in every}
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


async def _check_fallbacks(session: AsyncSession, code: str, fallbacks: list[str]) -> None:
    if code in fallbacks or len(set(fallbacks)) != len(fallbacks):
        raise Unprocessable.at(
            ["body", "fallbacks"],
            "Fallbacks must be other languages, each named once.",
            msg="Invalid fallbacks",
            type="value",
        )
    await require(session, fallbacks, loc=("body", "fallbacks"))


async def _check_bcp47_free(session: AsyncSession, tag: str, code: str) -> None:
    other = await by_bcp47(session, tag)
    if other is not None and other.code != code:
        raise Conflict(f"The BCP 47 tag '{tag}' belongs to the language '{other.code}'.")


async def create(session: AsyncSession, data: LanguageCreate) -> Language:
    if await get(session, data.code) is not None:
        raise Conflict(f"The language '{data.code}' exists.")
    await _check_bcp47_free(session, data.bcp47, data.code)
    await _check_fallbacks(session, data.code, data.fallbacks)
    position = await session.scalar(select(func.coalesce(func.max(Language.position), 0)))
    language = Language(
        **data.model_dump(exclude={"text_search"}),
        text_search=data.text_search or default_analyser(data.bcp47),
        position=(position or 0) + 1,
    )
    session.add(language)
    await session.flush()
    return language


async def update(session: AsyncSession, language: Language, data: LanguageUpdate) -> Language:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "bcp47" in changes:
        await _check_bcp47_free(session, changes["bcp47"], language.code)
    if "fallbacks" in changes:
        await _check_fallbacks(session, language.code, changes["fallbacks"])
    reindex = changes.get("text_search", language.text_search) != language.text_search
    for key, value in changes.items():
        setattr(language, key, value)
    await session.flush()
    if reindex:
        connection = await session.connection()
        await connection.run_sync(lambda sync: rebuild(sync, language=language.code))
    return language


async def delete(session: AsyncSession, language: Language) -> None:
    """Delete a language that nothing is written in (409 otherwise)."""
    for table in Base.metadata.sorted_tables:
        column = table.c.get("language")
        if column is None or table.name == "languages":
            continue
        if await session.scalar(select(column).where(column == language.code).limit(1)):
            raise Conflict(
                f"The language '{language.code}' has content ({table.name}); it cannot be deleted."
            )
    for other in await list_all(session):
        if language.code in other.fallbacks:
            other.fallbacks = [c for c in other.fallbacks if c != language.code]
    await session.delete(language)
    await session.flush()
