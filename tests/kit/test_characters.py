"""`check_characters` (every text field of every write) refuses exactly Unicode's control
(Cc) and surrogate (Cs) characters, multiline text keeping tabs and line breaks: checked
against `unicodedata` over every code point, as its regular expression is written out."""

import re
import unicodedata

import pytest

from app.kit.schema import check_characters

_BREAKS = {"\t", "\n", "\r"}


@pytest.mark.parametrize("multiline", [False, True])
def test_refuses_exactly_controls_and_surrogates(multiline: bool) -> None:
    wrong = []
    for point in range(0x110000):
        ch = chr(point)
        category = unicodedata.category(ch)
        refused = category == "Cs" or (category == "Cc" and not (multiline and ch in _BREAKS))
        try:
            assert check_characters(f"ok {ch} ok", multiline=multiline) == f"ok {ch} ok"
        except ValueError as exc:
            named = "lone surrogate" if category == "Cs" else f"U+{point:04X}"
            said = named in str(exc)
            if not refused or not said:
                wrong.append((point, str(exc)))
        else:
            if refused:
                wrong.append((point, "accepted"))
    assert wrong == []


def test_names_the_first_forbidden_character() -> None:
    with pytest.raises(ValueError, match=re.escape("U+0000")):
        check_characters("a\x00b\x07")
    with pytest.raises(ValueError, match="lone surrogate"):
        check_characters("a\ud800\x07")
    with pytest.raises(ValueError, match=re.escape("U+000A")):
        check_characters("line\nbreak")
    assert check_characters("line\nbreak\ttab\r", multiline=True) == "line\nbreak\ttab\r"
