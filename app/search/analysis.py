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

Case is folded, but first read where it tells something (`Reading`; morphology only):

- A capitalised query word that the dictionary knows as a proper name keeps only those
  readings: «Ростов» is the city (not «ростов цен», of рост), «Суми» not «сума». Russian
  tags places, names and surnames (Geox, Name, Surn, ...); the Ukrainian dictionary tags
  names and surnames but not places, so there a capitalised word in its dictionary form
  keeps the readings of which it is the dictionary form (Суми → суми, Київ → київ), and
  an inflected one keeps all (Києві, Сумах).
- A lower-case word of a text drops its proper-name readings when it has others: «ростов
  цен» indexes рост only. A capitalised one (a name, or the first word of a sentence)
  keeps every reading, as does a lower-case query word: «ростов» finds both, as before.
- Ukrainian comparatives and superlatives also index their positive form (дешевша,
  найдешевший → дешевий), which the dictionary lists as words of their own.

Analysis is total: any string, in any script, gives words or none, never an error (tests
feed every analyser every Unicode category). A word longer than MAX_WORD characters is not
lemmatized but cut, and every term is at most MAX_WORD characters of letters and digits,
so it fits a PostgreSQL lexeme (2,047 bytes) and needs no quoting in either database.
"""

import enum
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from app.ops import heap

# A word: letters and digits, possibly joined by apostrophes (пам'ять, O'Brien, don't).
# Hyphens and every other punctuation split words. Possessive: the longest run is the only
# match (nothing follows it in the pattern to backtrack for), and the engine keeps no
# states to give back: 11-14% less time a text (a body's words found or counted).
WORD = re.compile(r"[^\W_]++(?:['’ʼ‘`][^\W_]++)*+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})
_NOT_TERM = re.compile(r"[\W_]+")
MAX_LEMMAS = 4
MAX_WORD = 100  # characters: the longest German compounds are about 80
MORPHOLOGY = {"ukrainian": "uk", "russian": "ru"}
LEMMA_LISTS = {"english": "en"}


@cache
def snowball() -> frozenset[str]:
    """The Snowball algorithms PyStemmer has, as `text_search` names. PyStemmer is
    imported here, when a name is not one of ours (`simple`, the dictionaries, the lemma
    list): a worker whose languages use none is spared its ~0.7 MB (docs/benchmarks.md,
    memory)."""
    import Stemmer

    return frozenset(Stemmer.algorithms()) - {"porter"} - set(MORPHOLOGY) - set(LEMMA_LISTS)


def analysers() -> tuple[str, ...]:
    """Every `text_search` name, `simple` first."""
    return ("simple", *sorted({*MORPHOLOGY, *LEMMA_LISTS}), *sorted(snowball()))


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


class Reading(enum.Enum):
    """Which of a word's readings to keep, by what its capital letter says."""

    ALL = "all"  # every reading: a capitalised word of a text, a lower-case query word
    COMMON = "common"  # none that is a proper name, when others are left: lower case in text
    PROPER = "proper"  # only proper names, when there are any: a capitalised query word


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: where it is and its lemmas (primary first)."""

    start: int
    end: int
    lemmas: tuple[str, ...]


def fold(word: str) -> str:
    """Lowercase, ё→е, one apostrophe: what every analyser sees first."""
    return word.lower().replace("ё", "е").translate(_APOSTROPHES)


def is_word(word: str) -> bool:
    """Whether a `WORD` match is a word to the analysers (has a term once folded): all but
    runs of apostrophes, which is what U+02BC (a letter to Unicode) folds to. The index
    counts these words' positions, and snippets count them the same way without analysis."""
    return "ʼ" not in word or bool(_term(fold(word)))


def _term(lemma: str) -> str:
    """An index term: folded, no apostrophes or other non-word characters, at most
    MAX_WORD characters."""
    return _NOT_TERM.sub("", fold(lemma))[:MAX_WORD]


Lemmatize = Callable[[str, Reading], list[str]]


class Analyzer:
    """Turns words into lemmas for one `text_search` setting. Thread-safe, cached.

    `cased`: the analyser reads capitals (`Reading`); the others see every word as ALL."""

    def __init__(self, name: str, lemmatize: Lemmatize, *, cased: bool = False) -> None:
        self.name = name
        self.cased = cased
        self._lemmatize = lemmatize
        self.bound(*_cache_sizes)

    def bound(self, lemmas: int, spellings: int) -> None:
        """How many entries its caches keep (`CACHES`), emptied."""
        # A folded word's lemmas (an entry: ~450 B; a miss: 25-40 µs of pymorphy3), and a
        # text's spelling as written to its lemmas, for snippets (an entry: ~250 B).
        self._cached = lru_cache(maxsize=lemmas)(self._lemmas)
        self._spelled = lru_cache(maxsize=spellings)(self._spelling)

    def lemmas(self, folded: str, reading: Reading = Reading.ALL) -> tuple[str, ...]:
        """A folded word's lemmas as terms, primary first; `("",)` when nothing is left."""
        if len(folded) > MAX_WORD:
            # No word but a run of letters or digits: cut, not lemmatized (nor cached).
            return (_term(folded),)
        return self._cached(folded, reading if self.cased else Reading.ALL)

    def spelling(self, word: str) -> tuple[str, ...]:
        """`lemmas` of a word of a text as written (folded, and read by its capital)."""
        return self._spelled(word)

    def _spelling(self, word: str) -> tuple[str, ...]:
        return self.lemmas(fold(word), self.reading(word))

    def _lemmas(self, folded: str, reading: Reading = Reading.ALL) -> tuple[str, ...]:
        found: list[str] = []
        for lemma in self._lemmatize(folded, reading):
            term = _term(lemma)
            if term and term not in found:
                found.append(term)
                if len(found) == MAX_LEMMAS:
                    break
        return tuple(found) or (_term(folded),)

    def words(
        self, text: str, *, query: bool = False, reading: Reading | None = None
    ) -> Iterator[Word]:
        """The words of `text` with their lemmas; words with no letters or digits left
        once folded (a lone `ʼ`) are not words. `query`: the words a reader typed, whose
        capitals pick proper names (`Reading`), rather than a text's; `reading`: this one
        for every word, whatever its case."""
        cased = self.cased and reading is None
        fixed = reading or Reading.ALL
        for match in WORD.finditer(text):
            word = match.group()
            lemmas = self.lemmas(fold(word), self.reading(word, query) if cased else fixed)
            if lemmas[0]:
                yield Word(match.start(), match.end(), lemmas)

    def reading(self, word: str, query: bool = False) -> Reading:
        """How `words` reads a word (of a text, or of a `query`) by its capital."""
        if not self.cased:
            return Reading.ALL
        if word[0].isupper():
            return Reading.PROPER if query else Reading.ALL
        return Reading.ALL if query else Reading.COMMON


# The grammemes of proper names in the OpenCorpora tag set both dictionaries use: places,
# first names, surnames, patronymics, organisations, trademarks.
PROPER_NAMES = frozenset({"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"})

# Ukrainian comparatives (and superlatives, with най-, якнай-, щонай-) are lemmas of their
# own in the dictionary; their positive form is found by undoing the suffix and asking the
# dictionary which candidate is a positive adjective (tagged `compb`).
_DEGREE_PREFIX = re.compile(r"^(?:якнай|щонай|най)")
_COMPARATIVE_ENDINGS = (
    ("іший", ("ий", "ій")),  # новіший → новий, синіший → синій
    ("жчий", ("гий", "зький", "жкий", "зкий")),  # дорожчий, вужчий, важчий
    ("щий", ("сокий", "стий", "ский")),  # вищий → високий, товщий → товстий
    ("ший", ("ий", "кий", "окий", "гий")),  # дешевший, легший, ширший, довший
)
_SUPPLETIVE = {
    "кращий": ("добрий", "гарний"),
    "гірший": ("поганий",),
    "більший": ("великий",),
    "менший": ("малий",),
}


def _morphology(language: str) -> Lemmatize:
    import pymorphy3

    morph: Any = pymorphy3.MorphAnalyzer(lang=language)
    tags_places = "Geox" in morph.TagClass.KNOWN_GRAMMEMES
    degrees = language == "uk"

    def is_proper(parse: Any, word: str) -> bool:
        if tags_places:
            return bool(PROPER_NAMES & parse.tag.grammemes)
        # No place tags (Ukrainian): a capitalised word in its own dictionary form.
        return bool(parse.normal_form == word and "NOUN" in parse.tag.grammemes)

    @lru_cache(maxsize=4096)
    def positive(comparative: str) -> tuple[str, ...]:
        """The positive forms of a Ukrainian comparative lemma; () when it is none."""
        base = _DEGREE_PREFIX.sub("", comparative)
        candidates: tuple[str, ...] = _SUPPLETIVE.get(base, ())
        if not candidates:
            for ending, replacements in _COMPARATIVE_ENDINGS:
                if base.endswith(ending) and len(base) > len(ending) + 1:
                    stem = base[: -len(ending)]
                    candidates = tuple(stem + replacement for replacement in replacements)
                    break
        return tuple(
            candidate
            for candidate in candidates
            if morph.word_is_known(candidate)  # not a guess of the suffix predictor
            and any(
                parse.normal_form == candidate and {"ADJF", "compb"} <= parse.tag.grammemes
                for parse in morph.parse(candidate)
            )
        )

    def lemmatize(word: str, reading: Reading) -> list[str]:
        # pymorphy3 asks `unicodedata.name` of letters without a default, which raises
        # for a letter this Python has no name for (Tangut ideographs, U+17000-U+187F7).
        # No such word is Ukrainian or Russian: it stays as written.
        if not all(unicodedata.name(ch, "") for ch in word):
            return [word]
        parses = morph.parse(word)
        if reading is Reading.PROPER:
            proper = [parse for parse in parses if is_proper(parse, word)]
            parses = proper or parses
        elif reading is Reading.COMMON:
            common = [p for p in parses if not PROPER_NAMES & p.tag.grammemes]
            parses = common or parses
        lemmas: list[str] = []
        for parse in parses:
            lemmas.append(parse.normal_form)
            grammemes = parse.tag.grammemes
            if degrees and "ADJF" in grammemes and "compb" not in grammemes:
                lemmas.extend(positive(parse.normal_form))
        return lemmas

    return lemmatize


def _lemma_list(language: str) -> Lemmatize:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy
    from simplemma.strategies.dictionaries import StreamDictionaryFactory

    # The dictionary is read from its compressed stream, not unpacked into a dict: English
    # costs a worker 2 MB instead of 20. The lemmas are the same (a test holds it); a
    # lookup is slower (23 µs instead of 7), and `Analyzer` caches them.
    lemmatizer = Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=StreamDictionaryFactory())
    )

    def lemmatize(word: str, _reading: Reading) -> list[str]:
        return [lemmatizer.lemmatize(word, lang=language)]

    return lemmatize


def _snowball(algorithm: str) -> Lemmatize:
    import Stemmer

    stemmers = threading.local()

    def lemmatize(word: str, _reading: Reading) -> list[str]:
        # PyStemmer objects are not thread-safe; one per thread.
        stemmer = getattr(stemmers, "stemmer", None)
        if stemmer is None:
            stemmer = stemmers.stemmer = Stemmer.Stemmer(algorithm)
        return [stemmer.stemWord(word)]

    return lemmatize


def _identity(word: str, _reading: Reading) -> list[str]:
    return [word]


_lock = threading.Lock()
_analyzers: dict[str, Analyzer] = {}

# What each analyser's caches keep, entries of (lemmas of a folded word, lemmas of a
# spelling). Full at 20,000 / 10,000 they held ~12 MB per analyser (Ukrainian and Russian
# alike, measured), so a worker that had searched long enough in three languages would
# have grown ~35 MB past its target: a serving process keeps 4,000 / 4,000 (~3 MB each).
# Its searches read a hit's lemmas from the index, so its misses are a query's words and
# the words of a snippet the index cannot tell (a page's spellings are analysed once per
# page anyway, `app.search.snippets.Seen`), and news texts repeat their commonest words.
# The commands that analyse whole archives (search-reindex's processes, bench-data's,
# the imports) keep more: `for_archives`.
CACHES = (4_000, 4_000)
ARCHIVE_CACHES = (20_000, 10_000)
_cache_sizes = CACHES


def for_archives() -> None:
    """This process analyses archives: its analysers keep ARCHIVE_CACHES (the ones made
    already are bounded again, emptied)."""
    global _cache_sizes
    with _lock:
        _cache_sizes = ARCHIVE_CACHES
        for analyzer in _analyzers.values():
            analyzer.bound(*ARCHIVE_CACHES)


def analyzer_for(text_search: str) -> Analyzer:
    """The analyser a language's `text_search` names (`simple` for unknown names)."""
    ours = text_search == "simple" or text_search in MORPHOLOGY or text_search in LEMMA_LISTS
    name = text_search if ours or text_search in snowball() else "simple"
    analyzer = _analyzers.get(name)
    if analyzer is None:
        with _lock:
            analyzer = _analyzers.get(name)
            if analyzer is None:
                cased = name in MORPHOLOGY
                lemmatize: Lemmatize
                if cased:
                    lemmatize = _morphology(MORPHOLOGY[name])
                elif name in LEMMA_LISTS:
                    lemmatize = _lemma_list(LEMMA_LISTS[name])
                elif name == "simple":
                    lemmatize = _identity
                else:  # a Snowball algorithm's (checked above)
                    lemmatize = _snowball(name)
                analyzer = _analyzers[name] = Analyzer(name, lemmatize, cased=cased)
                heap.settle_again()  # its dictionary lives as long as the process
    return analyzer
