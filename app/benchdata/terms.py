"""Search index content from word ids: what `app.search.documents.Document` makes, faster.

`Document.analyse` finds the words of a stored text and asks the analyser for each; the
generated text is made of word ids whose lemmas are known, so the analysis is skipped.
What remains is `Document.tsvector`, `Document.pairs` and `Document.fts_columns`, done here with the
per-word strings worked out once per word form; the results are the same strings
(`tests/test_benchdata.py` compares them, and the index in the database with what
`newsdesk search-reindex` writes).
"""

from collections.abc import Sequence

from app.search.documents import (
    ALTERNATIVE,
    FIELDS,
    MAX_LEXEME_BYTES,
    MAX_POSITIONS,
    MAX_POSITIONS_PER_TERM,
    PAIR,
    SQLITE_PLACES,
    WEIGHTS,
    Document,
    Lemmas,
    fts_pairs,
    pairs_literal,
    tsvector_literal,
)


class Terms:
    """The index terms of one language's word ids."""

    def __init__(self, lemmas: Sequence[Lemmas]) -> None:
        self.lemmas = list(lemmas)
        self._terms = [(ls[0], *(ALTERNATIVE + lemma for lemma in ls[1:])) for ls in self.lemmas]
        self._primary = [ls[0] for ls in self.lemmas]
        self._alternatives = [" ".join(ls[1:]) for ls in self.lemmas]
        self._alternatives_count = [len(ls) - 1 for ls in self.lemmas]
        # "<position><weight>" for every position a text can have.
        self._labels = [
            [f"{p}{weight}" for p in range(MAX_POSITIONS + len(FIELDS) + 1)] for weight in WEIGHTS
        ]

    @staticmethod
    def cut(fields: Sequence[Sequence[int]]) -> list[Sequence[int]]:
        """The fields within the index's budget of words, as `Document.analyse` cuts."""
        budget = MAX_POSITIONS
        cut = []
        for words in fields:
            cut.append(words[:budget] if len(words) > budget else words)
            budget -= len(cut[-1])
        return cut

    def document(self, fields: Sequence[Sequence[int]]) -> Document:
        """The `Document` that analysing the text would give (for comparisons)."""
        title, lead, body = ([self.lemmas[w] for w in words] for words in self.cut(fields))
        return Document((title, lead, body))

    def tsvector(
        self,
        fields: Sequence[Sequence[int]],
        count: int = len(FIELDS),
        language: str | None = None,
        marked: bool = False,
    ) -> str:
        """`Document.tsvector(count, language, marked)`: a tsvector literal of the first
        `count` fields."""
        positions: dict[str, list[str]] = {}
        position = 0
        terms = self._terms
        for words, labels in zip(self.cut(fields)[:count], self._labels[:count], strict=True):
            for word in words:
                position += 1
                label = labels[position]
                for term in terms[word]:
                    at = positions.get(term)
                    if at is None:
                        positions[term] = [label]
                    elif len(at) < MAX_POSITIONS_PER_TERM:
                        at.append(label)
            position += 1
        return tsvector_literal(positions, language, marked)

    def pairs(self, fields: Sequence[Sequence[int]], language: str | None = None) -> str:
        """`Document.pairs(language)`: the `pairs` tsvector literal."""
        primary = self._primary
        kept: dict[str, int] = {}
        pairs: dict[str, None] = {}
        size = 0
        for words in self.cut(fields):
            previous = None
            for word in words:
                lemma = primary[word]
                count = kept.get(lemma, 0)
                if count >= MAX_POSITIONS_PER_TERM:
                    previous = None
                    continue
                kept[lemma] = count + 1
                if previous is not None:
                    pair = f"{previous}{PAIR}{lemma}"
                    if pair not in pairs:
                        size += len(pair.encode())
                        if size > MAX_LEXEME_BYTES:
                            return pairs_literal(pairs, language)
                        pairs[pair] = None
                previous = lemma
        return pairs_literal(pairs, language)

    def fts_columns(self, fields: Sequence[Sequence[int]]) -> dict[str, str]:
        """`Document.fts_columns()`: SQLite's FTS5 columns."""
        primary, alternatives = self._primary, self._alternatives
        columns = {}
        for name, words in zip(FIELDS, self.cut(fields), strict=True):
            columns[name] = " ".join([primary[w] for w in words])
            columns[f"{name}_alt"] = " ".join([a for w in words if (a := alternatives[w])])
            columns[f"{name}_pairs"] = fts_pairs(columns[name], name)
        _, lead, body = self.cut(fields)
        count = self._alternatives_count
        numbers = (str(i) for i, w in enumerate([*lead, *body]) for _ in range(count[w]))
        columns[SQLITE_PLACES] = " ".join(numbers)
        return columns
