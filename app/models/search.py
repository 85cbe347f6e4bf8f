"""The search index: one document per translation, kept in step by `app.search.index`."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# SQLite keeps the terms in this FTS5 table (rowid = search_documents.id), made by the
# migration; SQLAlchemy's metadata does not describe virtual tables.
FTS_TABLE = "search_fts"
# ... and the title's and lead's columns again in this one: the title and lead tiers read its
# short document lists, of those fields only (`app.search.query`). Its name starts as
# FTS_TABLE's: Alembic leaves both alone.
FTS_HEAD_TABLE = "search_fts_head"
# ... and each field's pairs of neighbouring primary lemmas as one token `a_b` in this one:
# a two-word phrase's hits are one token's document list (`app.search.query`).
FTS_PAIRS_TABLE = "search_fts_pairs"
TSVECTOR_OR_NULL = Text().with_variant(TSVECTOR(), "postgresql")


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_vector", "vector", postgresql_using="gin"),
        Index("ix_search_documents_head", "head", postgresql_using="gin"),
        Index("ix_search_documents_pairs", "pairs", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    translation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("translations.id", ondelete="CASCADE"), unique=True
    )
    # PostgreSQL: the weighted terms (title A, lead B, body C), GIN-indexed. SQLite
    # leaves it NULL and keeps the terms in FTS_TABLE.
    vector: Mapped[str | None] = mapped_column(TSVECTOR_OR_NULL)
    # PostgreSQL: the title and lead terms alone (weights A, B), to rank by field cheaply.
    head: Mapped[str | None] = mapped_column(TSVECTOR_OR_NULL)
    # PostgreSQL: each pair of neighbouring primary lemmas as a lexeme `a_b`, without
    # positions, so that a phrase's candidates come from the GIN index alone and only they
    # have their whole `vector` read to check positions (`app.search.query`).
    pairs: Mapped[str | None] = mapped_column(TSVECTOR_OR_NULL)
    # SQLite: for each alternative lemma of the FTS5 row's `lead_alt` then `body_alt`, in
    # order, the number of its word (lead and body words counted from 0), one space apart,
    # so that snippets place them (`app.search.snippets.from_fts`). NULL on PostgreSQL
    # (`vector` places them) and for an entry written before it existed.
    alternatives_at: Mapped[str | None] = mapped_column(Text)
    # SQLite: copies of the translation's language, status and times, kept by triggers
    # (made by the migration: an entry takes them when made, and every change after), and
    # indexed by the entry's id with them (SQLITE_PUBLIC_INDEX): a tier's page takes the
    # newest public of its FTS5 hits from that index before looking any translation up
    # (`app.search.query`). NULL on PostgreSQL, which lists its hits by translation id.
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str | None] = mapped_column(String(16))
    publish_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    expire_at: Mapped[datetime | None]


# SQLite's indexes of the copies above (the migrations make them on SQLite alone:
# PostgreSQL's columns are NULL): by the entry's id, and by language and publication
# time, for a walked tier's page to check its newest hits (`app.public.service`); the
# last of every entry, the late one's of those published after they went live (a
# publication time later than `publish_at`: an import's, or a live version's given an
# earlier `publish_at`; a public version published in the future is one of them).
SQLITE_PUBLIC_INDEX = "ix_search_documents_public"
SQLITE_NEWEST_INDEX = "ix_search_documents_newest"
SQLITE_LATE_INDEX = "ix_search_documents_late"


def include_object(_obj: Any, name: str | None, type_: str, _reflected: bool, _other: Any) -> bool:
    """For Alembic's comparisons: FTS5's own tables, and SQLite's index of the copied
    columns, are not the models' business."""
    if type_ == "index" and name in (SQLITE_PUBLIC_INDEX, SQLITE_NEWEST_INDEX, SQLITE_LATE_INDEX):
        return False
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
