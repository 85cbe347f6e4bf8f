"""Analysis is total: every analyser takes any text and answers, never raises.

Every language's analyser is fed every Unicode general category (unassigned code points,
private use, combining marks, format characters included; lone surrogates cannot reach it
from HTTP), Tangut, emoji, right-to-left scripts and the apostrophes and quotes the
analysers treat specially, by hypothesis and by a fixed sweep. What comes out must be
what the databases take: terms of letters and digits only, at most MAX_WORD characters,
lexemes within PostgreSQL's limits; a query is a Query or a 422, never an error.
"""

import html
import re
import sys
import unicodedata
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import Unprocessable
from app.search import query as search
from app.search.analysis import MAX_WORD, Analyzer, analysers, analyzer_for
from app.search.documents import MAX_LEXEME_BYTES, Document
from app.search.snippets import highlight

# Every general category but Cs (no Python text from HTTP holds a lone surrogate).
CATEGORIES = (
    "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
    "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cn",
)  # fmt: skip
TANGUT = (0x17000, 0x187F7)
SPECIAL = [
    "ʼ", "'", "’", "‘", "`", '"', "«", "»", "“", "”", "„", "ʼʼ", "ʼа", "пʼять", "ё", "Ё",
    "İ", "ß", "ﬃ", "ǅ", "\u0301", "е\u0301", "\u200d", "\u200f", "\u202e", "\ufeff",
    "\U00017000", "\U000187f7", "\U00018d00", "\U0001b170", "\U00018b00",
    "👩\u200d👩\u200d👧", "🇺🇦", "1️⃣", "שָׁלוֹם", "مَرْحَبًا", "ܫܠܡܐ", "ހެލޯ", "\U000f0000",
    "\U0010fffd", "\ue000", "\x00", "\x1f", "\x85", "\u2028", "\u0378", "\U000e0001",
    "ᄀ\u1161\u11a8", "क्षि", "ஸ்ரீ", "ཀྵ", "𝔘𝔨𝔯", "①", "Ⅻ", "٣", "〇", "_", "-",
]  # fmt: skip
_LETTERS = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъё abcdefghijklmnopqrstuvwxyz "
_TERM = re.compile(r"[^\W_]+")
# PostgreSQL: a lexeme of at most 2,047 bytes, 1 MB of them per tsvector.
_PG_MAX_LEXEME = 2047


@cache
def _code_points() -> dict[str, list[str]]:
    """Every code point but the surrogates by general category."""
    found: dict[str, list[str]] = {}
    for cp in range(sys.maxunicode + 1):
        if not 0xD800 <= cp <= 0xDFFF:
            found.setdefault(unicodedata.category(chr(cp)), []).append(chr(cp))
    return found


def _of_category(category: str, count: int = 48) -> list[str]:
    """`count` code points of a category, spread over the whole code space."""
    found = _code_points()[category]
    return found[:: max(1, len(found) // count)][:count]


def _unnamed_letters() -> list[str]:
    """Letters this Python's Unicode data has no name for (pymorphy3 asked them one)."""
    letters = (ch for category in ("Lu", "Ll", "Lt", "Lm", "Lo") for ch in _code_points()[category])
    return [ch for ch in letters if not unicodedata.name(ch, "")]


_characters = st.one_of(
    st.characters(exclude_categories=["Cs"]),  # any code point, assigned or not
    st.characters(categories=["Cn", "Co", "Cf", "Mn", "Mc", "Me", "Lm", "Lo", "Nl", "No"]),
    st.characters(min_codepoint=TANGUT[0], max_codepoint=TANGUT[1]),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.characters(min_codepoint=0x0590, max_codepoint=0x08FF),  # Hebrew, Arabic, Syriac, ...
    st.sampled_from(SPECIAL),
    st.sampled_from(_LETTERS),
)
TEXTS = st.lists(_characters, max_size=80).map("".join)


def _check_terms(terms: tuple[str, ...]) -> None:
    assert terms, "a word without terms"
    for term in terms:
        assert _TERM.fullmatch(term), repr(term)  # no quotes, spaces, apostrophes
        assert len(term) <= MAX_WORD


def check(analyzer: Analyzer, text: str) -> None:
    """Everything analysis does with `text`: words, the index document, the query, and a
    snippet of the text for that query."""
    for word in analyzer.words(text):
        assert 0 <= word.start < word.end <= len(text)
        _check_terms(word.lemmas)
    body = f"<p>{html.escape(text)}</p>"
    document = Document.analyse(analyzer, text, text, body)
    vector = document.tsvector()
    lexemes = [lexeme.split("':")[0].strip("'") for lexeme in vector.split(" ") if lexeme]
    assert all(len(lexeme.encode()) <= _PG_MAX_LEXEME for lexeme in lexemes)
    assert sum(len(lexeme.encode()) for lexeme in lexemes) <= MAX_LEXEME_BYTES
    document.fts_columns()
    try:
        query = search.parse(text[: search.MAX_LENGTH], analyzer)
    except Unprocessable:
        return
    for clause in query.clauses:
        _check_terms(clause.lemmas)
    search.tsquery(query, "A")
    search.fts_query(query, "B")
    assert isinstance(highlight(query, text, body), str)


@pytest.mark.parametrize("name", analysers())
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(text=TEXTS)
def test_any_text_is_analysed_without_error(name: str, text: str) -> None:
    check(analyzer_for(name), text)


@pytest.mark.parametrize("name", analysers())
def test_every_general_category(name: str) -> None:
    analyzer = analyzer_for(name)
    for category in CATEGORIES:
        sample = _of_category(category)
        assert sample, category
        # Each character alone, inside a Cyrillic and a Latin word, and all of them at once.
        check(analyzer, " ".join(sample))
        check(analyzer, " ".join(f"ки{ch}в {ch}x" for ch in sample))
        check(analyzer, "".join(sample))
    check(analyzer, " ".join(SPECIAL))


@pytest.mark.parametrize("name", ["ukrainian", "russian"])
def test_letters_without_a_unicode_name(name: str) -> None:
    # Tangut ideographs (U+17000-U+187F7) raised ValueError in pymorphy3: a 500 for any
    # search or article write in Ukrainian or Russian that held one.
    letters = _unnamed_letters()
    assert chr(TANGUT[0]) in letters
    analyzer = analyzer_for(name)
    words = list(analyzer.words(" ".join(f"{ch} ки{ch}в" for ch in letters)))
    assert words[0].lemmas == (chr(TANGUT[0]),)
    query = search.parse(f"Київ {chr(TANGUT[0])}", analyzer)
    assert (chr(TANGUT[0]),) in [clause.lemmas for clause in query.clauses]


@pytest.mark.parametrize("name", analysers())
def test_words_longer_than_max_word_are_cut_not_lemmatized(name: str) -> None:
    analyzer = analyzer_for(name)
    word = "абвгд" * 1000
    (found,) = analyzer.words(f" {word} ")
    assert found.lemmas == (word[:MAX_WORD],)
    (clause,) = search.parse(word[: search.MAX_LENGTH], analyzer).clauses
    assert clause.lemmas == (word[:MAX_WORD],)
