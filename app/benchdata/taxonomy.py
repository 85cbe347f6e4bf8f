"""Authors, categories and tags of the generated archive, named in ua, en and ru.

Tags are what the news is about: the lexicon's cities, countries, organisations, people,
nouns (Вибори, Інфляція), towns and villages, and adjective + noun topics (Енергетична
безпека); articles get the tags of their focus first.
"""

from dataclasses import dataclass, field

from app.benchdata import lexicon as lx
from app.benchdata.morphology import NOM
from app.benchdata.phrasebook_en import PHRASEBOOK as EN
from app.benchdata.phrasebook_ru import PHRASEBOOK as RU
from app.benchdata.phrasebook_ua import PHRASEBOOK as UA

LANGUAGES = ("ua", "en", "ru")
TAG_COUNT = 500


@dataclass(frozen=True, slots=True)
class Entry:
    """One author, category or tag: its name (and an author's bio) per language."""

    names: dict[str, str]
    bios: dict[str, str] = field(default_factory=dict)
    topic: str = ""  # categories: the topic of the articles they hold


@dataclass(slots=True)
class TagLayout:
    """Which tag (index into the tag entries) stands for which lexicon entity."""

    cities: list[int] = field(default_factory=list)
    countries: list[int] = field(default_factory=list)
    organisations: list[int] = field(default_factory=list)
    people: list[int] = field(default_factory=list)
    nouns: list[int] = field(default_factory=list)
    places: list[int] = field(default_factory=list)
    topics: dict[str, list[int]] = field(default_factory=dict)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _bare(english: str) -> str:
    """An English name as a tag: no leading article, capitalised."""
    return _capital(english.removeprefix("the "))


def authors() -> list[Entry]:
    entries = []
    for i, person in enumerate(lx.AUTHORS):
        female = person.gender == "f"
        bios = {book.code: book.bios[female][i % len(book.bios[female])] for book in (UA, EN, RU)}
        entries.append(
            Entry({"ua": person.ua_name, "en": person.en_name, "ru": person.ru_name}, bios)
        )
    return entries


def categories() -> list[Entry]:
    return [Entry({"ua": c.ua, "en": c.en, "ru": c.ru}, topic=c.topic) for c in lx.CATEGORIES]


def tags() -> tuple[list[Entry], TagLayout]:
    entries: list[Entry] = []
    layout = TagLayout()

    def add(ua: str, en: str, ru: str) -> int:
        entries.append(Entry({"ua": _capital(ua), "en": _bare(en), "ru": _capital(ru)}))
        return len(entries) - 1

    for named, target in ((lx.CITIES, layout.cities), (lx.COUNTRIES, layout.countries),
                          (lx.ORGANISATIONS, layout.organisations)):  # fmt: skip
        target.extend(add(n.ua.forms[NOM], n.en, n.ru.forms[NOM]) for n in named)
    layout.people.extend(add(p.ua_name, p.en_name, p.ru_name) for p in lx.PEOPLE)
    for noun in lx.NOUNS:
        en = noun.en.plural if noun.en_plural else noun.en.singular
        layout.nouns.append(add(noun.ua.forms[NOM], en, noun.ru.forms[NOM]))
    layout.places.extend(add(p.ua, p.en, p.ru) for p in lx.PLACES)
    for adjective, noun in _topic_pairs(TAG_COUNT - len(entries)):
        ua = f"{adjective.ua[noun.ua.gender][NOM]} {noun.ua.forms[NOM]}"
        ru = f"{adjective.ru[noun.ru.gender][NOM]} {noun.ru.forms[NOM]}"
        en = f"{adjective.en} {noun.en.plural if noun.en_plural else noun.en.singular}"
        layout.topics.setdefault(noun.topic, []).append(add(ua, en, ru))
    return entries, layout


def _topic_pairs(count: int) -> list[tuple[lx.Adjective, lx.Noun]]:
    """Adjectives of a topic with that topic's nouns, round robin over the adjectives."""
    options = [
        [noun for noun in lx.NOUNS if noun.topic in adjective.topics] for adjective in lx.ADJECTIVES
    ]
    pairs: list[tuple[lx.Adjective, lx.Noun]] = []
    for round_ in range(max(len(o) for o in options)):
        for adjective, nouns in zip(lx.ADJECTIVES, options, strict=True):
            if round_ < len(nouns) and len(pairs) < count:
                pairs.append((adjective, nouns[round_]))
    return pairs
