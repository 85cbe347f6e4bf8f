"""How well candidate search analysers conflate inflected forms, per language, and how fast.

Measures, for Ukrainian (`ua`), Russian (`ru`) and English (`en`), analysers that map a word
to a set of index terms; a query form q matches a text form d when their sets meet. The
data is `bench/data/inflections.json`: groups of inflected forms of one word (news
vocabulary: names in oblique cases, ё/е spellings, the three apostrophes, neologisms,
irregular verbs and nouns, comparatives) and "distinct" pairs of different words that a
crude stemmer might conflate.

Every analyser sees the same folded word (`app.search.analysis.fold`: lowercase, ё→е,
’ and ʼ → '), and its output terms are folded the same way, so the comparison is about
morphology only.

- recall: share of ordered pairs of distinct (folded) forms of one group that match;
- distinct false matches: share of the distinct pairs that match (lower is better);
- cross-group false matches: share of ordered pairs of forms from different groups that
  match (lower is better);
- throughput: words per second on uncached calls over all the language's forms, repeated
  to at least `--min-calls` calls; the best of `--repeat` runs.

Analysers: `newsdesk` (the project's `analyzer_for(...)`, timed through `Analyzer._lemmas`
so that its lru cache is bypassed), `pymorphy3-first` (the first parse's normal form only),
`simplemma` (`simplemma.lemmatize`, timed through `Lemmatizer(cache_max_size=0)`) and
`snowball-*` (PyStemmer with `maxCacheSize=0`). There is no Ukrainian Snowball stemmer: the
`ua` row runs the Russian one to show that it does not apply. For English one hybrid is
added, `simplemma+snowball` (the Snowball stem of the simplemma lemma).

Run it from anywhere with `bench/analysis-quality [--no-write] [--languages ua ru]`: it
brings simplemma 2.0.0 for that run only, prints the table and rewrites
`bench/ANALYSIS.md`, keeping the hand-written text after the interpretation marker.
"""

import argparse
import importlib
import importlib.metadata
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path
from typing import Any

import pymorphy3
import Stemmer

from app.search.analysis import analyzer_for, fold

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data" / "inflections.json"
REPORT = BENCH / "ANALYSIS.md"
MARKER = "<!-- interpretation: hand-written, kept when the script rewrites this file -->"
LANGUAGES = {"ua": ("ukrainian", "uk"), "ru": ("russian", "ru"), "en": ("english", "en")}
DISTRIBUTIONS = (
    "pymorphy3",
    "pymorphy3-dicts-uk",
    "pymorphy3-dicts-ru",
    "DAWG2-Python",
    "DAWG2",
    "PyStemmer",
    "simplemma",
)

Terms = frozenset[str]
Pair = tuple[str, str]
Share = tuple[int, int]  # (hits, total)


@dataclass(frozen=True, slots=True)
class Group:
    lemma: str
    kind: str
    forms: tuple[str, ...]  # folded, distinct, the lemma first


@dataclass(frozen=True, slots=True)
class Dataset:
    groups: tuple[Group, ...]
    distinct: tuple[Pair, ...]  # folded

    def words(self) -> tuple[str, ...]:
        forms = [f for g in self.groups for f in g.forms]
        return unique(forms + [w for pair in self.distinct for w in pair])


@dataclass(frozen=True, slots=True)
class Candidate:
    """One analyser: `analyse` for quality, `timed` (uncached) for throughput."""

    name: str
    analyse: Callable[[str], Iterable[str]]
    timed: Callable[[str], object]
    note: str = ""
    deployed: Callable[[str], object] | None = None  # as used in production, caches on


@dataclass(frozen=True, slots=True)
class Recall:
    hits: int
    total: int
    by_kind: dict[str, Share]
    missed: dict[str, list[Pair]]  # group lemma -> unordered pairs that do not match


@dataclass(slots=True)
class Result:
    language: str
    analyser: str
    note: str
    recall: Recall
    distinct: Share
    cross: Share
    words_per_second: float
    deployed_per_second: float | None = None
    wrong_distinct: list[Pair] = field(default_factory=list)
    cross_examples: list[Pair] = field(default_factory=list)
    terms: dict[str, Terms] = field(default_factory=dict)


def unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def load(path: Path, language: str) -> Dataset:
    raw = json.loads(path.read_text(encoding="utf-8"))[language]
    groups = tuple(
        Group(g["lemma"], g["kind"], unique(fold(w) for w in [g["lemma"], *g["forms"]]))
        for g in raw["groups"]
    )
    distinct = tuple((fold(p["a"]), fold(p["b"])) for p in raw["distinct"])
    return Dataset(groups, distinct)


# --- the analysers ---------------------------------------------------------------------


def newsdesk(text_search: str) -> Candidate:
    analyzer = analyzer_for(text_search)
    note = "timed through `Analyzer._lemmas` (lru cache bypassed)"
    if text_search == "english":
        note += "; the project's PyStemmer keeps its own 10,000-word cache"
    return Candidate("newsdesk", analyzer.lemmas, analyzer._lemmas, note, analyzer.lemmas)


def pymorphy_first(code: str) -> Candidate:
    morph: Any = pymorphy3.MorphAnalyzer(lang=code)

    def first(word: str) -> list[str]:
        return [morph.parse(word)[0].normal_form]

    return Candidate("pymorphy3-first", first, first)


def _simplemma() -> Any:
    try:
        return importlib.import_module("simplemma")
    except ImportError:
        return None


def simplemma_candidates(code: str) -> list[Candidate]:
    """simplemma itself and, for English, the Snowball stem of its lemma."""
    simplemma = _simplemma()
    if simplemma is None:
        return []
    uncached = simplemma.Lemmatizer(cache_max_size=0)
    note = "timed through `Lemmatizer(cache_max_size=0)`"

    def lemma(word: str) -> list[str]:
        return [simplemma.lemmatize(word, lang=code)]

    found = [Candidate("simplemma", lemma, lambda w: uncached.lemmatize(w, code), note)]
    if code == "en":
        stemmer = Stemmer.Stemmer("english", 0)

        def stemmed(word: str) -> list[str]:
            return [stemmer.stemWord(simplemma.lemmatize(word, lang=code))]

        found.append(
            Candidate(
                "simplemma+snowball",
                stemmed,
                lambda w: stemmer.stemWord(uncached.lemmatize(w, code)),
                "a hybrid, not a library: the Snowball stem of the simplemma lemma",
            )
        )
    return found


def snowball(algorithm: str, note: str = "`maxCacheSize=0`") -> Candidate:
    stemmer = Stemmer.Stemmer(algorithm, 0)

    def stem(word: str) -> list[str]:
        return [stemmer.stemWord(word)]

    return Candidate(f"snowball-{algorithm}", stem, stemmer.stemWord, note)


def candidates(language: str) -> list[Candidate]:
    text_search, code = LANGUAGES[language]
    found = [newsdesk(text_search)]
    if language in ("ua", "ru"):
        found.append(pymorphy_first(code))
    found += simplemma_candidates(code)
    if language == "ua":
        found.append(snowball("russian", "not applicable: there is no Ukrainian Snowball"))
    else:
        found.append(snowball(text_search))
    return found


# --- the measurements ------------------------------------------------------------------


def analyse_all(candidate: Candidate, words: Iterable[str]) -> dict[str, Terms]:
    return {w: frozenset(fold(t) for t in candidate.analyse(w)) for w in unique(words)}


def matches(terms: dict[str, Terms], a: str, b: str) -> bool:
    return not terms[a].isdisjoint(terms[b])


def recall(groups: Sequence[Group], terms: dict[str, Terms]) -> Recall:
    by_kind: dict[str, Share] = {}
    missed: dict[str, list[Pair]] = {}
    for group in groups:
        hits = total = 0
        for a, b in permutations(group.forms, 2):
            total += 1
            if matches(terms, a, b):
                hits += 1
            elif a < b:
                missed.setdefault(group.lemma, []).append((a, b))
        kind_hits, kind_total = by_kind.get(group.kind, (0, 0))
        by_kind[group.kind] = (kind_hits + hits, kind_total + total)
    hits = sum(h for h, _ in by_kind.values())
    total = sum(t for _, t in by_kind.values())
    return Recall(hits, total, by_kind, missed)


def distinct_matches(pairs: Sequence[Pair], terms: dict[str, Terms]) -> list[Pair]:
    return [(a, b) for a, b in pairs if matches(terms, a, b)]


def cross_group(groups: Sequence[Group], terms: dict[str, Terms]) -> tuple[Share, list[Pair]]:
    owned = [(form, i) for i, g in enumerate(groups) for form in g.forms]
    hits = total = 0
    examples: list[Pair] = []
    for a, i in owned:
        for b, j in owned:
            if i != j:
                total += 1
                if matches(terms, a, b):
                    hits += 1
                    if a < b:
                        examples.append((a, b))
    return (hits, total), examples


def throughput(
    timed: Callable[[str], object], words: Sequence[str], calls: int, repeat: int
) -> float:
    batch = list(words) * math.ceil(calls / len(words))
    for word in words:  # warm-up: loading dictionaries lazily is not what is timed
        timed(word)
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for word in batch:
            timed(word)
        best = min(best, time.perf_counter() - start)
    return len(batch) / best


def measure(language: str, data: Dataset, candidate: Candidate, calls: int, repeat: int) -> Result:
    words = data.words()
    terms = analyse_all(candidate, words)
    wrong = distinct_matches(data.distinct, terms)
    cross, examples = cross_group(data.groups, terms)
    deployed = candidate.deployed
    return Result(
        language=language,
        analyser=candidate.name,
        note=candidate.note,
        recall=recall(data.groups, terms),
        distinct=(len(wrong), len(data.distinct)),
        cross=cross,
        words_per_second=throughput(candidate.timed, words, calls, repeat),
        deployed_per_second=throughput(deployed, words, calls, repeat) if deployed else None,
        wrong_distinct=wrong,
        cross_examples=examples,
        terms=terms,
    )


# --- the report ------------------------------------------------------------------------


def share(part: Share, digits: int = 1) -> str:
    hits, total = part
    return f"{100 * hits / total:.{digits}f}% ({hits}/{total})" if total else "n/a"


def table(results: Sequence[Result]) -> str:
    rows = [
        "| lang | analyser | recall ↑ | distinct pairs matched ↓ | cross-group matches ↓ "
        "| words/s, uncached |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        recalled = (r.recall.hits, r.recall.total)
        rows.append(
            f"| {r.language} | {r.analyser} | {share(recalled)} | {share(r.distinct)} "
            f"| {share(r.cross, 3)} | {r.words_per_second:,.0f} |"
        )
    return "\n".join(rows)


def kinds_table(results: Sequence[Result]) -> str:
    """Recall per kind of group: one table per language, one column per analyser."""
    parts = []
    for language in unique(r.language for r in results):
        own = [r for r in results if r.language == language]
        kinds = unique(k for r in own for k in r.recall.by_kind)
        rows = [
            f"| {language}: kind | " + " | ".join(r.analyser for r in own) + " |",
            "| --- |" + " ---: |" * len(own),
        ]
        for kind in kinds:
            cells = [share(r.recall.by_kind[kind]).split(" ")[0] for r in own]
            pairs = own[0].recall.by_kind[kind][1]
            rows.append(f"| {kind} ({pairs} pairs) | " + " | ".join(cells) + " |")
        parts.append("\n".join(rows))
    return "\n\n".join(parts)


def notes(results: Sequence[Result]) -> str:
    lines = [f"- {r.language} {r.analyser}: {r.note}" for r in results if r.note]
    lines += [
        f"- {r.language} {r.analyser} as deployed (its lru cache warm): "
        f"{r.deployed_per_second:,.0f} words/s"
        for r in results
        if r.deployed_per_second
    ]
    return "\n".join(lines)


def show(terms: dict[str, Terms], word: str) -> str:
    return f"{word} → {', '.join(sorted(terms[word]))}"


def failures(result: Result, groups: Sequence[Group]) -> str:
    """Every failed group and wrong match of one analyser, with the terms it gave."""
    lines = [f"### {result.language}: {result.analyser}", ""]
    missed = result.recall.missed
    if missed:
        lines += [f"Groups whose forms do not all match ({len(missed)}):", ""]
        for group in groups:
            if group.lemma in missed:
                forms = "; ".join(show(result.terms, f) for f in group.forms)
                unmatched = ", ".join(f"{a}≠{b}" for a, b in missed[group.lemma])
                lines.append(f"- **{group.lemma}** ({group.kind}): {forms}. Unmatched: {unmatched}")
    else:
        lines.append("Every group matches completely.")
    lines.append("")
    if result.wrong_distinct:
        lines += ["Distinct pairs that wrongly match:", ""]
        lines += [
            f"- {show(result.terms, a)} | {show(result.terms, b)}" for a, b in result.wrong_distinct
        ]
    else:
        lines.append("No distinct pair matches.")
    lines.append("")
    if result.cross_examples:
        lines += ["Cross-group matches:", ""]
        lines += [
            f"- {show(result.terms, a)} | {show(result.terms, b)}" for a, b in result.cross_examples
        ]
        lines.append("")
    return "\n".join(lines)


def summary(result: Result) -> str:
    missed = ", ".join(result.recall.missed) or "none"
    wrong = ", ".join(f"{a}/{b}" for a, b in result.wrong_distinct) or "none"
    return (
        f"- **{result.language} {result.analyser}**: groups not fully matched: {missed}. "
        f"Distinct pairs matched: {wrong}."
    )


def environment() -> str:
    versions = []
    for name in DISTRIBUTIONS:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return "\n".join(
        [
            f"- Python {platform.python_version()} ({platform.python_implementation()})",
            f"- {platform.platform()}, {platform.machine()}, "
            f"{platform.processor() or 'processor not reported'}, {os.cpu_count()} CPUs",
            f"- {', '.join(versions)}",
        ]
    )


def report(results: Sequence[Result], datasets: dict[str, Dataset], calls: int, repeat: int) -> str:
    sizes = "; ".join(
        f"{lang}: {len(d.groups)} groups, {sum(len(g.forms) for g in d.groups)} distinct "
        f"forms, {len(d.distinct)} distinct pairs"
        for lang, d in datasets.items()
    )
    return "\n".join(
        [
            "# Search analysis: conflating inflected forms, per language",
            "",
            "Generated by `bench/analysis-quality` (`bench/analysis_quality.py`, data in "
            "`bench/data/inflections.json`); re-run it to refresh everything above the "
            "interpretation.",
            "",
            f"Data: {sizes}. Throughput: at least {calls:,} calls per analyser, best of "
            f"{repeat} runs.",
            "",
            "## Machine and libraries",
            "",
            environment(),
            "",
            "## Results",
            "",
            "A query form matches a text form when their term sets meet. Recall: ordered pairs "
            "of distinct folded forms within a group. Distinct pairs: different words that "
            "must not match. Cross-group: ordered pairs of forms from different groups.",
            "",
            table(results),
            "",
            notes(results),
            "",
            "### Recall by kind of group",
            "",
            kinds_table(results),
            "",
            "## Where newsdesk fails",
            "",
            *[
                failures(r, datasets[r.language].groups)
                for r in results
                if r.analyser == "newsdesk"
            ],
            "## Where the others fail",
            "",
            *[summary(r) for r in results if r.analyser != "newsdesk"],
            "",
        ]
    )


def interpretation(path: Path) -> str:
    """The hand-written part of an existing report, or a placeholder."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if MARKER in text:
            return text[text.index(MARKER) :]
    return f"{MARKER}\n\n## Interpretation\n\n(not written yet)\n"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--languages", nargs="+", choices=list(LANGUAGES), default=list(LANGUAGES))
    parser.add_argument("--min-calls", type=int, default=50_000, help="timed calls per analyser")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best counts")
    parser.add_argument("--data", type=Path, default=DATA, help="the inflections JSON")
    parser.add_argument("--output", type=Path, default=REPORT, help="the Markdown report")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    datasets = {lang: load(args.data, lang) for lang in args.languages}
    results = [
        measure(lang, data, candidate, args.min_calls, args.repeat)
        for lang, data in datasets.items()
        for candidate in candidates(lang)
    ]
    print(table(results), notes(results), sep="\n\n")
    if _simplemma() is None:
        print("\nsimplemma is not installed: run bench/analysis-quality to include it.")
    if not args.no_write:
        text = report(results, datasets, args.min_calls, args.repeat)
        args.output.write_text(f"{text}\n{interpretation(args.output)}", encoding="utf-8")
        print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
