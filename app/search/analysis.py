"""Text analysis for search: words to index terms, by each language's own rules.

The analysis runs in Python, the same code for PostgreSQL and SQLite, so both databases
index and match exactly the same terms and nothing has to be installed into the database
server (managed PostgreSQL allows no dictionary files).

A language's `text_search` names its analyser:

- `ukrainian`, `russian`: pymorphy3 dictionary lemmatization (VESUM / OpenCorpora
  dictionaries shipped as wheels); words it does not know get lemmas from its suffix
  predictor, so names and new words (кібератака) still conflate.
- `english`: simplemma dictionary lemmatization (irregular forms: ran → run, mice →
  mouse), which measured better than the Snowball stemmer (bench/ANALYSIS.md).
- any other Snowball algorithm (`german`, `polish`, ...): PyStemmer.
- `simple`: case folding only — for a language added later whose tag no analyser knows
  (one Snowball knows gets its stemmer: `polish` for `pl`).

Every analyser folds case, `ё` to `е` and the apostrophe variants (`'`, `’`, `ʼ`). A word
can be ambiguous (Києві: the city Київ or the name Кий); `lemmas()` returns its primary
lemma first and up to three alternatives, and a query word matches a text word when their
lemma sets meet.

Analysis is total: any string, in any script, gives words or none, never an error (tests
feed every analyser every Unicode category). A word longer than MAX_WORD characters is not
lemmatized but cut, and every term is at most MAX_WORD characters of letters and digits,
so it fits a PostgreSQL lexeme (2,047 bytes) and needs no quoting in either database.
"""

import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import Stemmer

# A word: letters and digits, possibly joined by apostrophes (пам'ять, O'Brien, don't).
# Hyphens and every other punctuation split words.
WORD = re.compile(r"[^\W_]+(?:['’ʼ‘`][^\W_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})
_NOT_TERM = re.compile(r"[\W_]+")
MAX_LEMMAS = 4
MAX_WORD = 100  # characters: the longest German compounds are about 80
MORPHOLOGY = {"ukrainian": "uk", "russian": "ru"}
LEMMA_LISTS = {"english": "en"}
SNOWBALL = frozenset(Stemmer.algorithms()) - {"porter"} - set(MORPHOLOGY) - set(LEMMA_LISTS)
ANALYSERS = ("simple", *sorted({*MORPHOLOGY, *LEMMA_LISTS}), *sorted(SNOWBALL))


# The analyser a new language gets by its BCP 47 primary subtag when none is named.
BY_LANGUAGE = {
    "uk": "ukrainian", "ru": "russian", "en": "english", "ar": "arabic", "hy": "armenian",
    "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish", "nl": "dutch",
    "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian",
    "nb": "norwegian", "nn": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "sr": "serbian", "st": "sesotho", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def default_analyser(bcp47: str) -> str:
    """`polish` for `pl`, `simple` for a language no analyser knows."""
    return BY_LANGUAGE.get(bcp47.split("-")[0].lower(), "simple")


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: where it is and its lemmas (primary first)."""

    start: int
    end: int
    lemmas: tuple[str, ...]


def fold(word: str) -> str:
    """Lowercase, ё→е, one apostrophe: what every analyser sees first."""
    return word.lower().replace("ё", "е").translate(_APOSTROPHES)


def _term(lemma: str) -> str:
    """An index term: folded, no apostrophes or other non-word characters, at most
    MAX_WORD characters."""
    return _NOT_TERM.sub("", fold(lemma))[:MAX_WORD]


class Analyzer:
    """Turns words into lemmas for one `text_search` setting. Thread-safe, cached."""

    def __init__(self, name: str, lemmatize: Callable[[str], list[str]]) -> None:
        self.name = name
        self._lemmatize = lemmatize
        self._cached = lru_cache(maxsize=200_000)(self._lemmas)

    def lemmas(self, folded: str) -> tuple[str, ...]:
        """A folded word's lemmas as terms, primary first; `("",)` when nothing is left."""
        if len(folded) > MAX_WORD:
            # No word but a run of letters or digits: cut, not lemmatized (nor cached).
            return (_term(folded),)
        return self._cached(folded)

    def _lemmas(self, folded: str) -> tuple[str, ...]:
        found: list[str] = []
        for lemma in self._lemmatize(folded):
            term = _term(lemma)
            if term and term not in found:
                found.append(term)
                if len(found) == MAX_LEMMAS:
                    break
        return tuple(found) or (_term(folded),)

    def words(self, text: str) -> Iterator[Word]:
        """The words of `text` with their lemmas; words with no letters or digits left
        once folded (a lone `ʼ`) are not words."""
        for match in WORD.finditer(text):
            lemmas = self.lemmas(fold(match.group()))
            if lemmas[0]:
                yield Word(match.start(), match.end(), lemmas)


def _morphology(language: str) -> Callable[[str], list[str]]:
    import pymorphy3

    morph: Any = pymorphy3.MorphAnalyzer(lang=language)

    def lemmatize(word: str) -> list[str]:
        # pymorphy3 asks `unicodedata.name` of letters without a default, which raises
        # for a letter this Python has no name for (Tangut ideographs, U+17000-U+187F7).
        # No such word is Ukrainian or Russian: it stays as written.
        if not all(unicodedata.name(ch, "") for ch in word):
            return [word]
        return [parse.normal_form for parse in morph.parse(word)]

    return lemmatize


def _lemma_list(language: str) -> Callable[[str], list[str]]:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy
    from simplemma.strategies.dictionaries import StreamDictionaryFactory

    # The dictionary is read from its compressed stream, not unpacked into a dict: English
    # costs a worker 2 MB instead of 20. The lemmas are the same (a test holds it); a
    # lookup is slower (23 µs instead of 7), and `Analyzer` caches them.
    lemmatizer = Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=StreamDictionaryFactory())
    )

    def lemmatize(word: str) -> list[str]:
        return [lemmatizer.lemmatize(word, lang=language)]

    return lemmatize


def _snowball(algorithm: str) -> Callable[[str], list[str]]:
    stemmers = threading.local()

    def lemmatize(word: str) -> list[str]:
        # PyStemmer objects are not thread-safe; one per thread.
        stemmer = getattr(stemmers, "stemmer", None)
        if stemmer is None:
            stemmer = stemmers.stemmer = Stemmer.Stemmer(algorithm)
        return [stemmer.stemWord(word)]

    return lemmatize


def _identity(word: str) -> list[str]:
    return [word]


_lock = threading.Lock()
_analyzers: dict[str, Analyzer] = {}


def analyzer_for(text_search: str) -> Analyzer:
    """The analyser a language's `text_search` names (`simple` for unknown names)."""
    name = text_search if text_search in ANALYSERS else "simple"
    analyzer = _analyzers.get(name)
    if analyzer is None:
        with _lock:
            analyzer = _analyzers.get(name)
            if analyzer is None:
                if name in MORPHOLOGY:
                    lemmatize = _morphology(MORPHOLOGY[name])
                elif name in LEMMA_LISTS:
                    lemmatize = _lemma_list(LEMMA_LISTS[name])
                elif name in SNOWBALL:
                    lemmatize = _snowball(name)
                else:
                    lemmatize = _identity
                analyzer = _analyzers[name] = Analyzer(name, lemmatize)
    return analyzer
