"""The search index, kept in step with translations inside the writing transaction.

Every translation has one search document. Its terms come from `analysis` (the same
Python code for both databases): one primary lemma per word, in order, so phrases
match as phrases, and the word's other possible lemmas beside it.

- PostgreSQL: `search_documents.vector`, a `tsvector` written as a literal (no text
  search configuration involved): primary lemmas at their positions, the alternatives as
  `~lemma` at the same positions; weights A (title), B (lead), C (body); fields are a
  position apart so a phrase never runs from one into the next. `head` is the same for
  title and lead only: small, so ranking by field never reads a whole body. Both
  GIN-indexed.
- SQLite: FTS5 table `search_fts` (rowid = `search_documents.id`) with the primary
  lemmas of each field in `title`/`lead`/`body` and the alternatives in `*_alt`.

An ORM flush hook re-analyses every translation whose title, lead or body changed, or
which is new, in the same transaction; deletes cascade (PostgreSQL by foreign key,
SQLite by a trigger on `search_documents`). Visibility (publish, unpublish, archive) is
not in the index: queries join the translation and apply the one visibility rule.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, event, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.kit.html import text_of
from app.languages import known
from app.models import SearchDocument, Translation
from app.search.analysis import Analyzer, analyzer_for

FIELDS = ("title", "lead", "body")
WEIGHTS = ("A", "B", "C")
# PostgreSQL keeps positions up to 16383 and 256 per lexeme; both databases index the
# same words, so longer texts are cut at the same word everywhere.
MAX_POSITIONS = 16_000
MAX_POSITIONS_PER_TERM = 255
# ... and at most 1 MB of distinct lexemes per tsvector: a text of that many different
# words (only made up ones come near) is cut at the word that would pass it.
MAX_LEXEME_BYTES = 1_000_000
ALTERNATIVE = "~"
BATCH = 500

Lemmas = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """A translation's analysed text: per field, per word, its lemmas."""

    fields: tuple[list[Lemmas], list[Lemmas], list[Lemmas]]

    @classmethod
    def analyse(cls, analyzer: Analyzer, title: str, lead: str, body_html: str) -> "Document":
        budget = MAX_POSITIONS
        lexemes: set[str] = set()
        size = 0
        fields: list[list[Lemmas]] = []
        for text_ in (title, lead, text_of(body_html)):
            words = []
            for word in analyzer.words(text_):
                if budget <= 0:
                    break
                for i, lemma in enumerate(word.lemmas):
                    lexeme = lemma if i == 0 else ALTERNATIVE + lemma  # as `tsvector` writes
                    if lexeme not in lexemes:
                        lexemes.add(lexeme)
                        size += len(lexeme.encode())
                if size > MAX_LEXEME_BYTES:  # this word would pass it: the text ends before
                    budget = 0
                    break
                words.append(word.lemmas)
                budget -= 1
            fields.append(words)
        return cls((fields[0], fields[1], fields[2]))

    def tsvector(self, fields: int = 3) -> str:
        """The first `fields` fields (3: all; 2: title and lead) as a tsvector literal."""
        positions: dict[str, list[str]] = defaultdict(list)
        position = 0
        for words, weight in zip(self.fields[:fields], WEIGHTS[:fields], strict=True):
            for lemmas in words:
                position += 1
                for i, lemma in enumerate(lemmas):
                    term = lemma if i == 0 else ALTERNATIVE + lemma
                    at = positions[term]
                    if len(at) < MAX_POSITIONS_PER_TERM:
                        at.append(f"{position}{weight}")
            position += 1
        return " ".join(f"'{term}':{','.join(at)}" for term, at in positions.items())

    def fts_columns(self) -> dict[str, str]:
        columns = {}
        for name, words in zip(FIELDS, self.fields, strict=True):
            columns[name] = " ".join(lemmas[0] for lemmas in words)
            columns[f"{name}_alt"] = " ".join(alt for lemmas in words for alt in lemmas[1:])
        return columns


def index_rows(
    connection: Connection,
    rows: Iterable[Any],
    languages: Mapping[str, known.Known] | None = None,
) -> int:
    """(Re)index translations given as rows with id, language, title, lead, body_html;
    `languages`: the configured ones, when the caller has them (read here otherwise)."""
    settings = known.read(connection) if languages is None else languages

    def analyser(code: str) -> Analyzer:
        language = settings.get(code)
        return analyzer_for(language.text_search if language else "simple")

    documents = [
        (row.id, Document.analyse(analyser(row.language), row.title, row.lead, row.body_html))
        for row in rows
    ]
    if not documents:
        return 0
    if connection.dialect.name == "postgresql":
        insert = postgresql.insert(SearchDocument)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[SearchDocument.translation_id],
                set_={"vector": insert.excluded.vector, "head": insert.excluded.head},
            ),
            [
                {"translation_id": ident, "vector": doc.tsvector(), "head": doc.tsvector(2)}
                for ident, doc in documents
            ],
        )
        return len(documents)
    connection.execute(
        sqlite.insert(SearchDocument).on_conflict_do_nothing(),
        [{"translation_id": ident} for ident, _ in documents],
    )
    rowids = dict(
        connection.execute(
            select(SearchDocument.translation_id, SearchDocument.id).where(
                SearchDocument.translation_id.in_([ident for ident, _ in documents])
            )
        ).all()
    )
    params = [{"rowid": rowids[ident], **doc.fts_columns()} for ident, doc in documents]
    connection.execute(text("DELETE FROM search_fts WHERE rowid = :rowid"), params)
    connection.execute(
        text(
            "INSERT INTO search_fts (rowid, title, lead, body, title_alt, lead_alt, body_alt) "
            "VALUES (:rowid, :title, :lead, :body, :title_alt, :lead_alt, :body_alt)"
        ),
        params,
    )
    return len(documents)


_SOURCE = (
    Translation.id,
    Translation.language,
    Translation.title,
    Translation.lead,
    Translation.body_html,
)


def index_translations(connection: Connection, ids: Sequence[uuid.UUID]) -> int:
    total = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = connection.execute(select(*_SOURCE).where(Translation.id.in_(chunk))).all()
        total += index_rows(connection, rows)
    return total


def rebuild(
    connection: Connection,
    *,
    language: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-analyse every translation (of one language): after an analyser changes."""
    query = select(Translation.id).order_by(Translation.id)
    if language is not None:
        query = query.where(Translation.language == language)
    ids = list(connection.execute(query).scalars())
    if language is None:
        # Start empty: writing fresh rows is cheaper than replacing each one. (The FTS5
        # table first, so the delete trigger finds nothing left to do.)
        if connection.dialect.name == "sqlite":
            connection.execute(text("DELETE FROM search_fts"))
        connection.execute(delete(SearchDocument))
    total = 0
    for start in range(0, len(ids), BATCH):
        total += index_translations(connection, ids[start : start + BATCH])
        if progress is not None:
            progress(total)
    if connection.dialect.name == "postgresql":
        # Every row was rewritten: the planner's term statistics must follow at once.
        connection.execute(text("ANALYZE search_documents"))
    return total


_TEXT = ("title", "lead", "body_html")


def _keep_in_step(session: Session, _context: Any) -> None:
    changed = [
        obj
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Translation)
        and obj not in session.deleted
        and (
            obj in session.new
            or any(inspect(obj).attrs[name].history.has_changes() for name in _TEXT)
        )
    ]
    if changed:
        index_rows(session.connection(), [_Row.of(t) for t in changed], known.of(session))


@dataclass(frozen=True, slots=True)
class _Row:
    id: uuid.UUID
    language: str
    title: str
    lead: str
    body_html: str

    @classmethod
    def of(cls, t: Translation) -> "_Row":
        return cls(t.id, t.language, t.title, t.lead or "", t.body_html or "")


def install() -> None:
    """Keep the index in step with every ORM session's flushes; `Database` calls it. Idempotent."""
    if not event.contains(Session, "after_flush", _keep_in_step):
        event.listen(Session, "after_flush", _keep_in_step)
