"""Capitals pick readings (`app.search.analysis.Reading`), and Ukrainian comparatives index
their positive form. The quality set (`test_quality.py`) shows the same through HTTP on both
databases; these pin the analyser's part, word by word."""

import pytest

from app.search.analysis import analyzer_for


def lemmas(text_search: str, text: str, *, query: bool = False) -> list[tuple[str, ...]]:
    return [word.lemmas for word in analyzer_for(text_search).words(text, query=query)]


@pytest.mark.parametrize(
    ("text_search", "query", "text", "meets"),
    [
        ("russian", "Ростов", "Ростове", True),
        ("russian", "Ростов", "ростов", False),  # «ростов цен»: of рост
        ("russian", "Ростов", "рост", False),
        ("russian", "ростов", "ростов", True),  # lower case: every reading, as before
        ("russian", "ростов", "Ростове", True),
        ("russian", "Сумы", "Сумах", True),
        ("russian", "Киев", "Киеве", True),
        ("ukrainian", "Суми", "Сумах", True),
        ("ukrainian", "Суми", "сума", False),
        ("ukrainian", "Київ", "Києві", True),
        ("ukrainian", "Києві", "Київ", True),
        ("ukrainian", "Львові", "Львів", True),  # inflected: no place tag, every reading
        ("ukrainian", "дешевий", "дешевша", True),
        ("ukrainian", "дешевий", "найдешевший", True),
        ("ukrainian", "високий", "вищий", True),
        ("ukrainian", "добрий", "якнайкращий", True),
        ("ukrainian", "дорогий", "дорожчими", True),
        ("ukrainian", "новий", "новішого", True),
        ("ukrainian", "Рост", "рост", True),  # a capital with no proper reading: no change
    ],
)
def test_a_query_word_meets_a_text_word(
    text_search: str, query: str, text: str, meets: bool
) -> None:
    (asked,) = lemmas(text_search, query, query=True)
    (found,) = lemmas(text_search, text)
    assert bool(set(asked) & set(found)) is meets, (asked, found)


def test_a_phrase_reads_its_words_every_way() -> None:
    # Within quotes the words keep every reading: the text's context decides.
    from app.search.query import Phrase, parse

    (phrase,) = parse('"Ростов растёт"', analyzer_for("russian")).clauses
    assert isinstance(phrase, Phrase)
    assert {variant[0] for variant in phrase.variants} == {"ростов", "рост"}


def test_only_dictionary_words_are_positive_forms() -> None:
    # The suffix predictor would accept made-up candidates (дешевкий): only words the
    # dictionary knows, tagged as positive adjectives, are added.
    assert lemmas("ukrainian", "дешевша") == [("дешевший", "дешевий")]
    assert lemmas("ukrainian", "кращий") == [("кращий", "добрий", "гарний")]
    # A relative adjective has no degrees and gains nothing.
    assert lemmas("ukrainian", "дерев'яний") == [("деревяний",)]


def test_other_analysers_ignore_capitals() -> None:
    for name in ("english", "german", "simple"):
        assert lemmas(name, "Paris", query=True) == lemmas(name, "paris")
