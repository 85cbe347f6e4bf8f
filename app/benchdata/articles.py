"""A batch of generated articles as rows per table, search index content included.

Runs in worker processes (or in-process for small runs): `start` sets up a process
once (the vocabularies, the taxonomy's ids, the lemma of every word form), then
`batch(number)` makes one batch. A batch depends only on the seed, the run's size and its
number, so the archive is the same however many workers make it (ids too, except with
--append, where they are random: the seed's might be taken).

Per article: an original language (ua 50%, en 30%, ru 20%) and each other language with
probability 0.7; per translation a status (published 90%, draft 5%, scheduled in the
future 3%, archived 2%); published times spread over the past three years, in the order
of the articles, so every article has its own; 1-3 authors, 0-5 tags (those of its focus
first), a category (90%, by its topic), 0-2 sources, and the `create` revision the
management API would have recorded.

The search index content is made from the word ids the text was written with, through
`terms` — exactly what analysing the stored text gives, without analysing it (the
analyser's work per word form is done once, in `lemma_tables`).
"""

import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random, SystemRandom
from typing import Any

from app.benchdata import phrasebook_en, phrasebook_ru, phrasebook_ua
from app.benchdata.grammar import Focus, Pools, Words, Zipf
from app.benchdata.lexicon import SOURCES
from app.benchdata.taxonomy import TagLayout
from app.benchdata.terms import Terms
from app.benchdata.writer import Text, make_focus, make_pools, write
from app.kit.html import reading_time_minutes
from app.kit.slugs import MAX_SLUG_LENGTH, slugify
from app.search.analysis import analyzer_for, for_archives
from app.search.documents import fts_language

BATCH_SIZE = 1000
ACTOR = "cli:bench-data"
PHRASEBOOKS = {b.code: b for b in (phrasebook_ua.PHRASEBOOK, phrasebook_en.PHRASEBOOK,
                                   phrasebook_ru.PHRASEBOOK)}  # fmt: skip
ORIGINALS = (("ua", 50), ("en", 30), ("ru", 20))
TRANSLATED = 0.7
STATUSES = (("published", 90), ("draft", 5), ("scheduled", 3), ("archived", 2))
TAG_COUNTS = (0, 1, 2, 2, 3, 3, 3, 4, 4, 5)
SPAN = timedelta(days=3 * 365)
RECENT = timedelta(days=2)  # the newest originals: translations follow within this

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Setup:
    """What every batch needs; sent to each worker process once."""

    seed: int
    total: int  # articles in this run
    first: int  # the sequence number of the run's first article (slugs end in it)
    now: datetime
    dialect: str  # postgresql or sqlite: the shape of the search index content
    random_ids: bool  # --append: ids not from the seed (they might exist already)
    bcp47: dict[str, str]
    lemmas: dict[str, dict[str, tuple[str, ...]]]  # language -> word form -> lemmas
    authors: list[uuid.UUID]
    categories: list[tuple[uuid.UUID, str]]  # id, topic
    tags: list[uuid.UUID]
    tag_layout: TagLayout


@dataclass(frozen=True, slots=True)
class _Plan:
    """An article's own facts, which its translations follow."""

    id: uuid.UUID
    number: int  # in the whole archive, from 1: the end of its slugs
    original: str
    focus: Focus
    born: datetime  # the original's publication time
    created: datetime


@dataclass(slots=True)
class Batch:
    articles: list[Row] = field(default_factory=list)
    translations: list[Row] = field(default_factory=list)
    article_authors: list[Row] = field(default_factory=list)
    article_tags: list[Row] = field(default_factory=list)
    article_sources: list[Row] = field(default_factory=list)
    revisions: list[Row] = field(default_factory=list)
    # translation_id and, PostgreSQL, vector, head and pairs; SQLite, the search_fts columns.
    search: list[Row] = field(default_factory=list)
    text_seconds: float = 0.0  # CPU time
    index_seconds: float = 0.0


def lemma_tables(text_search: dict[str, str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Every word form's lemmas, from each language's analyser (by its `text_search`)."""
    tables = {}
    for code, book in PHRASEBOOKS.items():
        analyzer = analyzer_for(text_search[code])
        table = {}
        for form in Words(book).vocabulary.forms:
            words = list(analyzer.words(form))
            if len(words) != 1 or (words[0].start, words[0].end) != (0, len(form)):
                raise ValueError(f"{form!r} is not one word for the search analyser")
            table[form] = words[0].lemmas
        tables[code] = table
    return tables


class Generator:
    """One process's means to make batches."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.words = {code: Words(book) for code, book in PHRASEBOOKS.items()}
        self.pools: Pools = make_pools()
        self.terms = {
            code: Terms([setup.lemmas[code][form] for form in words.vocabulary.forms])
            for code, words in self.words.items()
        }
        self.author_zipf = Zipf(len(setup.authors), 0.8)
        self.tag_zipf = Zipf(len(setup.tags), 0.9)
        self.categories_by_topic: dict[str, list[uuid.UUID]] = {}
        for ident, topic in setup.categories:
            self.categories_by_topic.setdefault(topic, []).append(ident)

    def batch(self, number: int) -> Batch:
        setup = self.setup
        first = number * BATCH_SIZE
        count = min(BATCH_SIZE, setup.total - first)
        rng = Random(f"{setup.seed}:{setup.first + first}")  # noqa: S311 (not secret)
        ids = (
            SystemRandom()
            if setup.random_ids
            else Random(f"{setup.seed}:{setup.first + first}:ids")  # noqa: S311
        )
        out = Batch()
        for i in range(first, first + count):
            self._article(out, rng, ids, i)
        return out

    # One article ----------------------------------------------------------------------

    def _article(self, out: Batch, rng: Random, ids: Random, i: int) -> None:
        setup = self.setup
        original = rng.choices([c for c, _ in ORIGINALS], [w for _, w in ORIGINALS])[0]
        languages = [original] + [
            code for code in PHRASEBOOKS if code != original and rng.random() < TRANSLATED
        ]
        # Article i's time: its own slot of the span, oldest first.
        born = setup.now - SPAN + (SPAN - RECENT) / setup.total * (i + rng.random())
        plan = _Plan(
            id=_uuid(ids),
            number=setup.first + i,
            original=original,
            focus=make_focus(rng, self.pools),
            born=born,
            created=born - timedelta(minutes=rng.uniform(10, 240)),
        )
        translations = [self._translation(out, rng, ids, plan, code) for code in languages]
        category = self._category(rng, plan.focus)
        authors = self._authors(rng)
        tags = self._tags(rng, plan.focus)
        sources = self._sources(rng)
        out.articles.append({
            "id": plan.id, "original_language": original, "category_id": category,
            "cover_media_id": None, "version": 1, "last_revision": 1, "created_by": None,
            "created_at": plan.created,
            "updated_at": max(t["updated_at"] for t in translations),
        })  # fmt: skip
        out.article_authors.extend(
            {"article_id": plan.id, "author_id": a, "position": p} for p, a in enumerate(authors)
        )
        out.article_tags.extend(
            {"article_id": plan.id, "tag_id": t, "position": p} for p, t in enumerate(tags)
        )
        out.article_sources.extend(
            {"id": _uuid(ids), "article_id": plan.id, "position": p, "name": n, "url": u}
            for p, (n, u) in enumerate(sources)
        )
        # What the management API records when it creates an article (revisions.record).
        snapshot = {
            "original_language": original,
            "author_ids": [str(a) for a in authors],
            "category_id": str(category) if category else None,
            "tag_ids": [str(t) for t in tags],
            "cover_media_id": None,
            "sources": [{"name": n, "url": u} for n, u in sources],
        }
        out.revisions.append({
            "id": _uuid(ids), "article_id": plan.id, "number": 1, "language": None,
            "action": "create", "actor": ACTOR, "created_at": plan.created,
            "changed_fields": sorted(snapshot), "text_changed": False, "snapshot": snapshot,
        })  # fmt: skip

    def _translation(self, out: Batch, rng: Random, ids: Random, plan: _Plan, code: str) -> Row:
        setup = self.setup
        started = time.process_time()
        text = write(self.words[code], self.pools, plan.focus, rng, plan.born.year)
        made = time.process_time()
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        if code == plan.original:
            live, created = plan.born, plan.created
        else:  # translated later, after the original went out
            live = plan.born + timedelta(minutes=rng.uniform(10, 36 * 60))
            created = max(plan.created, live - timedelta(minutes=rng.uniform(5, 120)))
        publish_at: datetime | None = live
        updated = live
        if status == "draft":
            publish_at, updated = None, created
        elif status == "scheduled":
            publish_at, updated = setup.now + timedelta(hours=rng.uniform(1, 30 * 24)), created
        elif status == "archived":
            updated = min(live + timedelta(days=rng.uniform(1, 60)), setup.now)
        words = text.word_count
        row = {
            "id": _uuid(ids), "article_id": plan.id, "language": code,
            "slug": _slug(text.title, setup.bcp47[code], plan.number),
            "title": text.title, "lead": text.lead, "body_html": text.body_html,
            "seo_title": None, "seo_description": None, "status": status,
            "publish_at": publish_at, "published_at": publish_at, "created_at": created,
            "updated_at": updated, "version": 1, "word_count": words,
            "reading_time_minutes": reading_time_minutes(words), "source_revision": None,
        }  # fmt: skip
        out.translations.append(row)
        out.search.append({"translation_id": row["id"], **self._index(code, text)})
        out.text_seconds += made - started
        out.index_seconds += time.process_time() - made
        return row

    def _index(self, code: str, text: Text) -> Row:
        terms = self.terms[code]
        if self.setup.dialect == "postgresql":
            return {
                "vector": terms.tsvector(text.words, language=code),
                "head": terms.tsvector(text.words, 2, code, marked=True),
                "pairs": terms.pairs(text.words, code),
            }
        return {**terms.fts_columns(text.words), "language": fts_language(code)}

    def _category(self, rng: Random, focus: Focus) -> uuid.UUID | None:
        choices = self.categories_by_topic.get(focus.topic)
        if rng.random() >= 0.9 or not choices:
            return None
        return choices[0] if rng.random() < 0.7 else rng.choice(choices)

    def _authors(self, rng: Random) -> list[uuid.UUID]:
        wanted = rng.choices((1, 2, 3), (70, 22, 8))[0]
        chosen: list[uuid.UUID] = []
        while len(chosen) < min(wanted, len(self.setup.authors)):
            author = self.setup.authors[self.author_zipf.pick(rng)]
            if author not in chosen:
                chosen.append(author)
        return chosen

    def _tags(self, rng: Random, focus: Focus) -> list[uuid.UUID]:
        layout, ids = self.setup.tag_layout, self.setup.tags
        candidates = [layout.nouns[n] for n in focus.nouns]
        named = (
            (focus.person, layout.people),
            (focus.city, layout.cities),
            (focus.organisation, layout.organisations),
            (focus.country, layout.countries),
            (focus.place, layout.places),
        )
        candidates += [tags[index] for index, tags in named if index is not None]
        candidates += layout.topics.get(focus.topic, [])[:2]
        rng.shuffle(candidates)
        wanted = min(TAG_COUNTS[int(rng.random() * len(TAG_COUNTS))], len(ids))
        chosen: list[uuid.UUID] = []
        for index in candidates:
            if len(chosen) < wanted and ids[index] not in chosen:
                chosen.append(ids[index])
        while len(chosen) < wanted:
            tag = ids[self.tag_zipf.pick(rng)]
            if tag not in chosen:
                chosen.append(tag)
        return chosen

    def _sources(self, rng: Random) -> list[tuple[str, str]]:
        count = rng.choices((0, 1, 2), (50, 35, 15))[0]
        return rng.sample(SOURCES, count)


def _uuid(rng: Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _slug(title: str, bcp47: str, number: int) -> str:
    """The title's slug ending in the article's number: unique per language by design."""
    suffix = f"-{number}"
    base = slugify(title, bcp47) or "article"
    if len(base) + len(suffix) > MAX_SLUG_LENGTH:
        base = base[: MAX_SLUG_LENGTH - len(suffix) + 1].rsplit("-", 1)[0].strip("-")
    return base + suffix


def batches(total: int) -> int:
    return math.ceil(total / BATCH_SIZE)


# --- Worker processes -----------------------------------------------------------------

_generator: Generator | None = None


def start(setup: Setup) -> None:
    """A worker process's initializer."""
    global _generator
    for_archives()
    _generator = Generator(setup)


def make(number: int) -> Batch:
    """Batch `number`, in a process that `start` set up."""
    assert _generator is not None, "start() first"
    return _generator.batch(number)
