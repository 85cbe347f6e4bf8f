"""A session reads the languages once (`app.languages.known`) and its own writes to them
at once: a flush that changes one, or a rollback, forgets what it read. (A statement on
`languages` through the session forgets too, where `app.cache.keys` lets one through.)"""

from app.config import Settings
from app.db import Database
from app.languages import known
from app.languages import service as languages
from app.models import Language


async def test_a_session_reads_its_own_language_changes(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        async with db.writer() as session:
            await session.begin()
            assert (await languages.require(session, ["en"]))["en"].bcp47 == "en"
            assert known.KEY in session.info  # read once, kept for the next asks

            language = await session.get(Language, "en")
            assert language is not None
            language.bcp47 = "en-GB"
            await session.flush()
            assert known.KEY not in session.info
            assert (await languages.require(session, ["en"]))["en"].bcp47 == "en-GB"

            savepoint = await session.begin_nested()
            language.bcp47 = "en-US"
            await session.flush()
            assert (await languages.require(session, ["en"]))["en"].bcp47 == "en-US"
            await savepoint.rollback()
            assert (await languages.require(session, ["en"]))["en"].bcp47 == "en-GB"
            await session.rollback()

        async with db.writer() as session:  # a new session reads again
            assert (await languages.require(session, ["en"]))["en"].bcp47 == "en"
    finally:
        await db.dispose()
