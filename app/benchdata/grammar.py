"""A language's words as ids, and its sentence templates compiled into slots.

Text is built as a list of word ids (punctuation as negative codes) and rendered to a
string only at the end; the search index content is made from the same ids (`terms`),
so nothing is tokenised or analysed twice. Every word form is one word for the search
analyser and for the word count: letters, digits and apostrophes, no hyphens.

Choices follow a Zipf distribution (the first items of a list are the most common), so
some words are everywhere and many are rare.
"""

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Protocol

from app.benchdata import lexicon as lx
from app.benchdata.morphology import ACC, CASES, GEN, NOM, Forms, surname_ru, surname_ua
from app.benchdata.phrasebook import Phrasebook

Ids = tuple[int, ...]

COMMA, PERIOD, COLON, DASH, OPEN_QUOTE, CLOSE_QUOTE = -1, -2, -3, -4, -5, -6
PUNCTUATION = {",": COMMA, ".": PERIOD, ":": COLON, "—": DASH, "«": OPEN_QUOTE,
               "“": OPEN_QUOTE, "»": CLOSE_QUOTE, "”": CLOSE_QUOTE}  # fmt: skip
YEARS = range(2015, 2036)
NO_AGREEMENT = ""


class Zipf:
    """Picks 0..n-1, index r with a weight of 1 / (r + 1) ** exponent."""

    __slots__ = ("_cumulative", "_total")

    def __init__(self, n: int, exponent: float = 1.0) -> None:
        if n < 1:
            raise ValueError("nothing to pick from")
        self._cumulative = list(itertools.accumulate(1 / (r + 1) ** exponent for r in range(n)))
        self._total = self._cumulative[-1]

    def pick(self, rng: Random) -> int:
        return bisect.bisect(self._cumulative, rng.random() * self._total)


class Vocabulary:
    """The word forms of one language, each with an id (its index)."""

    def __init__(self) -> None:
        self.forms: list[str] = []
        # Each form's capitalised form's id (a sentence's first word): a word of its own,
        # since the search analyser may read it differently (a proper name).
        self.capital_ids: list[int] = []
        self._ids: dict[str, int] = {}

    def word(self, form: str) -> int:
        ident = self._ids.get(form)
        if ident is None:
            ident = self._ids[form] = len(self.forms)
            capital = form[:1].upper() + form[1:]
            self.forms.append(form)
            self.capital_ids.append(ident)
            if capital != form:
                self.capital_ids[ident] = self.word(capital)
        return ident

    def phrase(self, text: str) -> Ids:
        return tuple(self.word(w) for w in text.split())

    def cases(self, forms: Forms) -> tuple[Ids, ...]:
        return tuple(self.phrase(f) for f in forms)


# --- The words of one language ------------------------------------------------------


@dataclass(slots=True)
class NounWords:
    cases: tuple[Ids, ...]  # English: the singular in every case
    plural: tuple[Ids, ...]  # English: the plural in every case; ua/ru: = cases
    gender: str  # ua/ru: m f n p; English: sg or pl (its usual number)
    animate: bool
    mass: bool  # English: no article
    adjectives: list[int]  # the adjectives that go with it, most common first
    adjective_zipf: Zipf | None


@dataclass(slots=True)
class PersonWords:
    full: tuple[Ids, ...]  # role, first name and surname, per case: the first mention
    short: tuple[Ids, ...]  # the surname, per case
    agreement: str


@dataclass(slots=True)
class NamedWords:
    cases: tuple[Ids, ...]
    agreement: str


class Words:
    """Everything one language writes with: vocabulary, entities, verbs, templates."""

    def __init__(self, book: Phrasebook) -> None:
        self.book = book
        self.code = book.code
        self.vocabulary = v = Vocabulary()
        self.inflected = book.inflected
        self.quotes = book.quotes
        self.nouns = [self._noun(n) for n in lx.NOUNS]
        self.adjectives = [self._adjective(a) for a in lx.ADJECTIVES]
        self.people = [self._person(p) for p in lx.PEOPLE]
        self.cities = [self._named(c) for c in lx.CITIES]
        self.countries = [self._named(c) for c in lx.COUNTRIES]
        self.organisations = [self._named(o) for o in lx.ORGANISATIONS]
        self.places = [self._place(p) for p in lx.PLACES]
        self.numbers = [v.phrase(str(n)) for n in book.numbers]
        self.years = {year: v.phrase(str(year)) for year in YEARS}
        self.verbs = {kind: [self._verb(line) for line in _lines(text)]
                      for kind, text in book.verbs.items()}  # fmt: skip
        self.verb_zipf = {kind: Zipf(len(verbs)) for kind, verbs in self.verbs.items()}
        self.groups = {name: [compile_template(t, v) for t in templates]
                       for name, templates in book.templates.items()}  # fmt: skip
        self.euphony = self._euphony()
        self._render_tables()

    # Building ---------------------------------------------------------------------

    def _inflected(self, noun: lx.Noun) -> lx.Inflected:
        return noun.ua if self.code == "ua" else noun.ru

    def _noun(self, noun: lx.Noun) -> NounWords:
        v = self.vocabulary
        fits = [i for i, a in enumerate(lx.ADJECTIVES) if not a.topics or noun.topic in a.topics]
        # The topic's own adjectives are the common ones.
        fits.sort(key=lambda i: not lx.ADJECTIVES[i].topics)
        zipf = Zipf(len(fits), 1.1) if fits else None
        if self.inflected:
            word = self._inflected(noun)
            forms = v.cases(word.forms)
            return NounWords(forms, forms, word.gender, word.animate, False, fits, zipf)
        en = noun.en
        singular = (v.phrase(en.singular),) * len(CASES)
        plural = (v.phrase(en.plural),) * len(CASES)
        number = "pl" if noun.en_plural else "sg"
        return NounWords(singular, plural, number, False, en.mass, fits, zipf)

    def _adjective(self, adjective: lx.Adjective) -> dict[str, tuple[Ids, ...]]:
        if not self.inflected:
            forms = (self.vocabulary.phrase(adjective.en),) * len(CASES)
            return dict.fromkeys(("sg", "pl"), forms)
        table = adjective.ua if self.code == "ua" else adjective.ru
        return {gender: self.vocabulary.cases(forms) for gender, forms in table.items()}

    def _person(self, person: lx.Person) -> PersonWords:
        v = self.vocabulary
        role = lx.ROLES[person.role] if person.role is not None else None
        if not self.inflected:
            name = person.en_name
            named = v.phrase(f"{role.en} {name}" if role else name)
            short = v.phrase(name.split()[-1])
            return PersonWords((named,) * len(CASES), (short,) * len(CASES), "sg")
        if self.code == "ua":
            first, surname = person.first.ua, surname_ua(person.surname_ua, person.gender)
            head, tail = (role.ua, role.ua_tail) if role else (None, "")
        else:
            first, surname = person.first.ru, surname_ru(person.surname_ru, person.gender)
            head, tail = (role.ru, role.ru_tail) if role else (None, "")
        full = tuple(
            v.phrase(" ".join(filter(None, (head[c] if head else "", tail, first[c], surname[c]))))
            for c in range(len(CASES))
        )
        return PersonWords(full, v.cases(surname), person.gender)

    def _named(self, named: lx.Named) -> NamedWords:
        if not self.inflected:
            plural = named.en.endswith("s") and named.en.startswith("the ")
            return NamedWords((self.vocabulary.phrase(named.en),) * len(CASES),
                              "pl" if plural else "sg")  # fmt: skip
        word = named.ua if self.code == "ua" else named.ru
        return NamedWords(self.vocabulary.cases(word.forms), word.gender)

    def _place(self, place: lx.Place) -> tuple[Ids, ...]:
        kind = lx.VILLAGE if place.village else lx.TOWN
        if not self.inflected:
            return (self.vocabulary.phrase(f"the {kind.en} of {place.en}"),) * len(CASES)
        generic = kind.ua if self.code == "ua" else kind.ru
        name = place.ua if self.code == "ua" else place.ru
        return tuple(self.vocabulary.phrase(f"{f} {name}") for f in generic.forms)

    def _verb(self, line: str) -> dict[tuple[str, str], Ids]:
        v = self.vocabulary
        forms = line.split("|") if "|" in line else line.split()
        if self.inflected:
            pres_sg, pres_pl, *past = (v.phrase(f) for f in forms)
            table = {("pres", g): pres_pl if g == "p" else pres_sg for g in "mfnp"}
            table.update({("past", g): past[i] for i, g in enumerate("mfnp")})
            return table
        base, third, past_, participle, ing = (v.phrase(f) for f in forms)
        table = {}
        for number, has, be in (("sg", "has", "is"), ("pl", "have", "are")):
            table[("prs", number)] = third if number == "sg" else base
            table[("past", number)] = past_
            table[("perf", number)] = v.phrase(has) + participle
            table[("prog", number)] = v.phrase(be) + ing
            table[("fut", number)] = v.phrase("will") + base
            table[("pp", number)] = participle
        return table

    def _euphony(self) -> dict[int, tuple[int, frozenset[int]]]:
        v = self.vocabulary
        rules = {}
        for word, replacement, pattern in self.book.euphony:
            before = re.compile(pattern)
            matching = frozenset(i for i, f in enumerate(v.forms) if before.match(f.lower()))
            rules[v.word(word)] = (v.word(replacement), matching)
        return rules

    # Writing ----------------------------------------------------------------------

    def agreement_of(self, noun: NounWords, plural: bool) -> str:
        if self.inflected:
            return noun.gender
        return "pl" if plural else "sg"

    def noun_phrase(self, ctx: "Context", index: int, case: int, out: list[int]) -> str:
        """A noun (sometimes with an adjective) in `case`; returns its agreement."""
        noun = self.nouns[index]
        rng = ctx.rng
        with_adjective = noun.adjective_zipf is not None and rng.random() < 0.4
        if self.inflected:
            if with_adjective:
                assert noun.adjective_zipf is not None
                adjective = self.adjectives[noun.adjectives[noun.adjective_zipf.pick(rng)]]
                forms = adjective[noun.gender]
                out.extend(forms[GEN] if case == ACC and noun.animate else forms[case])
            out.extend(noun.cases[case])
            return noun.gender
        plural = noun.gender == "pl" or (not noun.mass and rng.random() < 0.2)
        article = not noun.mass or rng.random() < 0.2
        if article and (not plural or rng.random() < 0.5):
            out.append(self.vocabulary.word("the"))
        if with_adjective:
            assert noun.adjective_zipf is not None
            out.extend(self.adjectives[noun.adjectives[noun.adjective_zipf.pick(rng)]]["sg"][NOM])
        out.extend(noun.plural[NOM] if plural else noun.cases[NOM])
        return "pl" if plural else "sg"

    def fix_euphony(self, out: list[int]) -> None:
        for word, (replacement, before) in self.euphony.items():
            if word in out:
                for i in range(len(out) - 1):
                    if out[i] == word and out[i + 1] in before:
                        out[i] = replacement

    def capitalise(self, out: list[int]) -> list[int]:
        """A sentence's word ids with its first word's capitalised form (in place)."""
        first = 1 if out[0] == OPEN_QUOTE else 0
        out[first] = self.vocabulary.capital_ids[out[first]]
        return out

    def render(self, out: Sequence[int]) -> str:
        """Word ids and punctuation as text (a sentence: `capitalise` it first)."""
        text = "".join(map(self._table.__getitem__, out))
        return text[1:].replace(self._after_quote, self.quotes[0])

    def _render_tables(self) -> None:
        """Each id's text with the space before it; punctuation at the end of the list,
        so that its negative codes index it."""
        forms = self.vocabulary.forms
        self._table = [" " + f for f in forms]
        by_code = {COMMA: ",", PERIOD: ".", COLON: ":", DASH: " —",
                   OPEN_QUOTE: " " + self.quotes[0], CLOSE_QUOTE: self.quotes[1]}  # fmt: skip
        self._table += [by_code[code] for code in range(-len(by_code), 0)]
        self._after_quote = self.quotes[0] + " "


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


# --- Writing context and focus ------------------------------------------------------


@dataclass(slots=True)
class Focus:
    """What one article is about, the same in each of its languages (indexes into the
    lexicon's lists)."""

    topic: str
    nouns: list[int]
    person: int | None
    city: int | None
    country: int | None
    organisation: int | None
    place: int | None


@dataclass(slots=True)
class Context:
    """The state of writing one text: randomness, focus, who was named in full."""

    rng: Random
    words: Words
    focus: Focus
    pools: "Pools"
    year: int
    focus_p: float = 0.5
    short_names: bool = False
    mentioned: set[int] = field(default_factory=set)
    # What the current sentence named already (see `pick`): not twice in one.
    used: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Pools:
    """How often each entity is picked when not the focus (shared by the languages)."""

    people: Zipf
    cities: Zipf
    countries: Zipf
    organisations: Zipf
    places: Zipf
    nouns: Zipf
    numbers: Zipf
    topic_nouns: dict[str, tuple[list[int], Zipf]]


# Keys of `Context.used`: a kind's base plus the index.
PEOPLE, ORGANISATIONS, CITIES, COUNTRIES, PLACES, NOUNS = (k * 100_000 for k in range(6))


def pick(ctx: Context, base: int, focused: int | None, zipf: Zipf) -> int:
    """The focus (`focus_p` of the time), else a Zipf pick; not one the sentence has."""
    used, rng = ctx.used, ctx.rng
    if focused is not None and rng.random() < ctx.focus_p and base + focused not in used:
        index = focused
    else:
        index = zipf.pick(rng)
        if base + index in used:
            index = zipf.pick(rng)
    used.add(base + index)
    return index


def pick_noun(ctx: Context) -> int:
    """A focus noun, a noun of the topic or any noun; not one the sentence has."""
    rng, focus, used = ctx.rng, ctx.focus, ctx.used
    index = -1
    for _ in range(3):
        r = rng.random()
        if r < ctx.focus_p and focus.nouns:
            index = focus.nouns[int(rng.random() * len(focus.nouns))]
        elif r < (1 + ctx.focus_p) / 2:
            nouns, zipf = ctx.pools.topic_nouns[focus.topic]
            index = nouns[zipf.pick(rng)]
        else:
            index = ctx.pools.nouns.pick(rng)
        if NOUNS + index not in used:
            break
    used.add(NOUNS + index)
    return index


def person(ctx: Context, case: int, out: list[int]) -> str:
    """A person: in full with the role the first time in a text, then the surname."""
    index = pick(ctx, PEOPLE, ctx.focus.person, ctx.pools.people)
    words = ctx.words.people[index]
    if ctx.short_names or index in ctx.mentioned:
        out.extend(words.short[case])
    else:
        out.extend(words.full[case])
        ctx.mentioned.add(index)
    return words.agreement


def organisation(ctx: Context, case: int, out: list[int]) -> str:
    index = pick(ctx, ORGANISATIONS, ctx.focus.organisation, ctx.pools.organisations)
    named = ctx.words.organisations[index]
    out.extend(named.cases[case])
    return named.agreement


# --- Templates ----------------------------------------------------------------------


class Item(Protocol):
    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        """Append word ids to `out`; return the agreement of what was written (if a
        subject can be)."""


@dataclass(frozen=True, slots=True)
class Literal:
    ids: Ids

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        out.extend(self.ids)
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Optional:
    items: tuple[Item, ...]

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        if ctx.rng.random() < 0.5:
            for item in self.items:
                item.emit(ctx, out, agreement)
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Group:
    name: str

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        templates = ctx.words.groups[self.name]
        for clause in templates[int(ctx.rng.random() * len(templates))]:
            for item in clause.before:
                item.emit(ctx, out, agreement)
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Noun:
    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        return ctx.words.noun_phrase(ctx, pick_noun(ctx), self.case, out)


@dataclass(frozen=True, slots=True)
class Person:
    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        return person(ctx, self.case, out)


@dataclass(frozen=True, slots=True)
class Organisation:
    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        return organisation(ctx, self.case, out)


@dataclass(frozen=True, slots=True)
class Agent:
    """Who acts: a person or an organisation."""

    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        if ctx.rng.random() < 0.55:
            return person(ctx, self.case, out)
        return organisation(ctx, self.case, out)


@dataclass(frozen=True, slots=True)
class City:
    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        index = pick(ctx, CITIES, ctx.focus.city, ctx.pools.cities)
        out.extend(ctx.words.cities[index].cases[self.case])
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Country:
    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        index = pick(ctx, COUNTRIES, ctx.focus.country, ctx.pools.countries)
        out.extend(ctx.words.countries[index].cases[self.case])
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Place:
    """A town or village (its name does not decline; the word before it does)."""

    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        index = pick(ctx, PLACES, ctx.focus.place, ctx.pools.places)
        out.extend(ctx.words.places[index][self.case])
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Number:
    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        out.extend(ctx.words.numbers[ctx.pools.numbers.pick(ctx.rng)])
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Year:
    """A year near the article's own."""

    case: int

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        offset = (-2, -1, -1, 0, 0, 0, 1)[int(ctx.rng.random() * 7)]
        year = min(max(ctx.year + offset, YEARS.start), YEARS.stop - 1)
        out.extend(ctx.words.years[year])
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Verb:
    kind: str  # V Vs Vi Vm
    tense: str

    def emit(self, ctx: Context, out: list[int], agreement: str) -> str:
        words = ctx.words
        verb = words.verbs[self.kind][words.verb_zipf[self.kind].pick(ctx.rng)]
        if not agreement:
            agreement = "m" if words.inflected else "sg"
        out.extend(verb[(self.tense, agreement)])
        return NO_AGREEMENT


@dataclass(frozen=True, slots=True)
class Clause:
    """Items around an optional subject, written first (its agreement is needed by the
    verbs before and after it) and put in its place."""

    before: tuple[Item, ...]
    subject: Item | None
    after: tuple[Item, ...]

    def emit(self, ctx: Context, out: list[int]) -> None:
        subject = self.subject
        if subject is None:
            for item in self.before:
                item.emit(ctx, out, NO_AGREEMENT)
            return
        head: list[int] = []
        agreement = subject.emit(ctx, head, NO_AGREEMENT)
        for item in self.before:
            item.emit(ctx, out, agreement)
        out += head
        for item in self.after:
            item.emit(ctx, out, agreement)


Sentence = tuple[Clause, ...]

_TOKEN = re.compile(r"\{[^}]+\}|[\[\]|]|[«»“”,.:—]|[^\s\[\]{}|«»“”,.:—]+")
_VERB_KINDS = ("V", "Vs", "Vi", "Vm")
_SLOTS: dict[str, type[Noun | Person | Organisation | Agent | City | Country | Place | Number
                        | Year]] = {
    "N": Noun, "P": Person, "O": Organisation, "A": Agent, "C": City, "K": Country,
    "R": Place, "#": Number, "Y": Year,
}  # fmt: skip


def compile_template(template: str, vocabulary: Vocabulary) -> Sentence:
    tokens = _TOKEN.findall(template)
    clauses: list[Clause] = []
    start = 0
    for end in [i for i, t in enumerate(tokens) if t == "|"] + [len(tokens)]:
        items, subject = _Parser(tokens[start:end], vocabulary).items(nested=False)
        if subject < 0:
            clauses.append(Clause(tuple(items), None, ()))
        else:
            clauses.append(
                Clause(tuple(items[:subject]), items[subject], tuple(items[subject + 1 :]))
            )
        start = end + 1
    return tuple(clauses)


class _Parser:
    def __init__(self, tokens: list[str], vocabulary: Vocabulary) -> None:
        self.tokens = tokens
        self.vocabulary = vocabulary
        self.i = 0

    def items(self, *, nested: bool) -> tuple[list[Item], int]:
        """Items up to the end (or, `nested`, up to the closing `]`); the subject's index."""
        items: list[Item] = []
        subject = -1
        words: list[int] = []
        while self.i < len(self.tokens):
            piece = self.tokens[self.i]
            self.i += 1
            if piece == "]":
                if not nested:
                    raise ValueError(f"unbalanced brackets: {self.tokens}")
                break
            if piece in PUNCTUATION:
                words.append(PUNCTUATION[piece])
                continue
            if not piece.startswith(("{", "[")):
                words.append(self.vocabulary.word(piece))
                continue
            if words:
                items.append(Literal(tuple(words)))
                words = []
            if piece == "[":
                inner, inner_subject = self.items(nested=True)
                if inner_subject >= 0:
                    raise ValueError(f"a subject cannot be optional: {self.tokens}")
                items.append(Optional(tuple(inner)))
                continue
            item, is_subject = _slot(piece[1:-1])
            if is_subject:
                subject = len(items)
            items.append(item)
        else:
            if nested:
                raise ValueError(f"unbalanced brackets: {self.tokens}")
        if words:
            items.append(Literal(tuple(words)))
        return items, subject


def _slot(spec: str) -> tuple[Item, bool]:
    subject = spec.endswith("!")
    spec = spec.rstrip("!")
    if spec.startswith("@"):
        return Group(spec[1:]), False
    kind, _, detail = spec.partition(".")
    if kind in _VERB_KINDS:
        return Verb(kind, detail), False
    if kind in _SLOTS:
        return _SLOTS[kind](CASES.index(detail) if detail else NOM), subject
    raise ValueError(f"unknown slot {{{spec}}}")
