"""What a language's phrasebook holds: its verbs, sentence templates and small words.

Templates are written in a small language (compiled by `grammar`):

- literal words and punctuation (`, . : —` and quotes `« » “ ”`), separated by spaces;
- `{X.case}` slots, `case` one of nom gen dat acc ins loc (ignored in English):
  `P` a person, `A` an agent (a person or an organisation), `O` an organisation,
  `C` a city, `K` a country, `R` a town or village, `N` a noun phrase (an adjective
  sometimes), `#` a number, `Y` a year; a trailing `!` makes the slot the clause's
  subject, which the clause's verbs agree with;
- `{V.tense}` verbs: `V` transitive, `Vs` of speech, `Vi` of events, `Vm` of amounts;
  tenses pres and past, in English also prs (present simple), perf, prog, fut and pp;
- `{@group}` one template of another group (pp, time, open);
- `[ ... ]` an optional part (half the time); `|` starts a new clause (a new subject).
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrasebook:
    code: str  # the language's URL code
    bcp47: str
    inflected: bool  # six cases (ua, ru) or none (en)
    quotes: tuple[str, str]
    verbs: dict[str, str]  # kind (V, Vs, Vi, Vm) -> one verb's forms per line
    templates: dict[str, list[str]]  # group -> templates; `title` and `body` are sentences
    numbers: tuple[int, ...]  # for `{#}`: in ua/ru, numbers that take the genitive plural
    bios: tuple[tuple[str, ...], tuple[str, ...]]  # an author's bio: for men, for women
    # ru: a preposition that changes before some words: (word, replacement, regex on the
    # lower-cased next word), e.g. в → во before "Львове".
    euphony: tuple[tuple[str, str, str], ...] = ()


NUMBERS = (
    5, 10, 20, 15, 30, 50, 25, 100, 40, 12, 7, 8, 6, 9, 11, 60, 70, 200, 35, 45, 13, 14, 16,
    17, 18, 19, 80, 90, 150, 300, 55, 65, 75, 85, 95, 500, 700,
)  # fmt: skip
