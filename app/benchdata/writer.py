"""One article's text in one language: a title, a lead and a body, as text and word ids.

An article has a focus (a topic, a few nouns, a person, a city, sometimes a country, an
organisation or a town) shared by its translations: they are independent texts about
the same things. The title names the focus more than the body does; people are named
in full (with their role) the first time, then by surname.
"""

import itertools
from dataclasses import dataclass
from random import Random

from app.benchdata import lexicon as lx
from app.benchdata.grammar import Context, Focus, Pools, Sentence, Words, Zipf
from app.benchdata.phrasebook import NUMBERS

TITLE_WORDS = (6, 12)
BODY_WORDS = (300, 700)
PARAGRAPHS = (4, 10)
# The longest sentence the templates make stays under this, so a body stops in range.
LONGEST_SENTENCE = 40
TOPIC_WEIGHTS = {
    "politics": 20, "war": 15, "economy": 18, "energy": 8, "tech": 7, "society": 10,
    "culture": 6, "sport": 6, "transport": 4, "weather": 2, "health": 2, "education": 2,
}  # fmt: skip


@dataclass(slots=True)
class Text:
    title: str
    lead: str
    body_html: str
    # The word ids of the title, the lead and the body: what the search index reads.
    words: tuple[list[int], list[int], list[int]]

    @property
    def word_count(self) -> int:
        return sum(len(w) for w in self.words)


def make_pools() -> Pools:
    topics: dict[str, tuple[list[int], Zipf]] = {}
    for topic in lx.TOPICS:
        nouns = [i for i, n in enumerate(lx.NOUNS) if n.topic == topic]
        topics[topic] = (nouns, Zipf(len(nouns), 0.8))
    return Pools(
        people=Zipf(len(lx.PEOPLE), 1.1),
        cities=Zipf(len(lx.CITIES), 1.1),
        countries=Zipf(len(lx.COUNTRIES)),
        organisations=Zipf(len(lx.ORGANISATIONS)),
        places=Zipf(len(lx.PLACES), 1.0),
        nouns=Zipf(len(lx.NOUNS), 0.9),
        numbers=Zipf(len(NUMBERS)),
        topic_nouns=topics,
    )


_TOPICS = list(TOPIC_WEIGHTS)
_TOPIC_CUMULATIVE = [sum(list(TOPIC_WEIGHTS.values())[: i + 1]) for i in range(len(_TOPICS))]


def make_focus(rng: Random, pools: Pools) -> Focus:
    topic = rng.choices(_TOPICS, cum_weights=_TOPIC_CUMULATIVE)[0]
    nouns, zipf = pools.topic_nouns[topic]
    chosen = {nouns[zipf.pick(rng)] for _ in range(rng.randint(2, 3))}
    return Focus(
        topic=topic,
        nouns=sorted(chosen),
        person=pools.people.pick(rng) if rng.random() < 0.8 else None,
        city=pools.cities.pick(rng) if rng.random() < 0.8 else None,
        country=pools.countries.pick(rng) if rng.random() < 0.3 else None,
        organisation=pools.organisations.pick(rng) if rng.random() < 0.6 else None,
        place=pools.places.pick(rng) if rng.random() < 0.3 else None,
    )


def _sentence(ctx: Context, group: str) -> list[int]:
    templates = ctx.words.groups[group]
    template: Sentence = templates[int(ctx.rng.random() * len(templates))]
    ctx.used.clear()
    out: list[int] = []
    for clause in template:
        clause.emit(ctx, out)
    if ctx.words.euphony:
        ctx.words.fix_euphony(out)
    return out


def _words(out: list[int]) -> list[int]:
    return [t for t in out if t >= 0]


def _title(ctx: Context) -> list[int]:
    """A title of 6 to 12 words (retried; at worst cut or padded with a time phrase)."""
    ctx.short_names, ctx.focus_p = True, 0.9
    low, high = TITLE_WORDS
    out: list[int] = []
    for _ in range(30):
        out = _sentence(ctx, "title")
        if low <= len(_words(out)) <= high:
            return out
    while len(_words(out)) < low:
        out += _sentence(ctx, "time")
    while len(_words(out)) > high:
        out.pop()
    while out[-1] < 0:
        out.pop()
    return out


def write(words: Words, pools: Pools, focus: Focus, rng: Random, year: int) -> Text:
    ctx = Context(rng, words, focus, pools, year)
    title = _title(ctx)
    ctx.short_names, ctx.focus_p = False, 0.8
    lead = [_sentence(ctx, "body") for _ in range(1 if rng.random() < 0.5 else 2)]
    ctx.mentioned.clear()
    ctx.focus_p = 0.3
    target = rng.randint(BODY_WORDS[0], BODY_WORDS[1] - LONGEST_SENTENCE)
    sentences: list[list[int]] = []
    count = 0
    while count < target:
        sentence = _sentence(ctx, "body")
        sentences.append(sentence)
        count += len(_words(sentence))
    for sentence in (title, *lead, *sentences):
        words.capitalise(sentence)
    paragraphs = _paragraphs(rng, sentences)
    body = "".join(
        "<p>" + " ".join(words.render(s) for s in paragraph) + "</p>" for paragraph in paragraphs
    )
    return Text(
        title=words.render(title),
        lead=" ".join(words.render(s) for s in lead),
        body_html=body,
        words=(_words(title), _flat(lead), _flat(sentences)),
    )


def _flat(sentences: list[list[int]]) -> list[int]:
    return [t for s in sentences for t in s if t >= 0]


def _paragraphs(rng: Random, sentences: list[list[int]]) -> list[list[list[int]]]:
    count = min(rng.randint(*PARAGRAPHS), len(sentences))
    cuts = sorted(rng.sample(range(1, len(sentences)), count - 1)) if count > 1 else []
    bounds = [0, *cuts, len(sentences)]
    return [sentences[a:b] for a, b in itertools.pairwise(bounds)]
