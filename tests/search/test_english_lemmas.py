"""The English analyser reads simplemma's dictionary as a stream (about 4 MB a worker, not 22):
its lemmas must be the ones the unpacked dictionary gives."""

import random

import simplemma
from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamMap

from app.search.analysis import Reading, _lemma_list


def test_streamed_dictionary_gives_the_same_lemmas() -> None:
    lemmatize = _lemma_list("en")

    def streamed(word: str) -> list[str]:
        return lemmatize(word, Reading.ALL)

    entries = list(StreamMap("en"))
    assert len(entries) > 100_000
    pick = random.Random(7)
    words = pick.sample(entries, 4000)
    words += [w + suffix for w in pick.sample(entries, 1000) for suffix in ("s", "ed", "ing")]
    words += ["ran", "mice", "geese", "better", "children", "was", "kyiv", "zelensky", "qzxv"]
    different = [w for w in words if streamed(w) != [simplemma.lemmatize(w, lang="en")]]
    assert different == []
    assert streamed("mice") == ["mouse"] and streamed("ran") == ["run"]
