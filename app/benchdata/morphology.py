"""Case paradigms of Ukrainian and Russian: six forms, always in the order of `CASES`.

Nouns and names are written out in full in `lexicon`; the regular paradigms are made
here: hard-stem adjectives (новий, державний; новый, российский, большой) and surnames
(Коваленко, Зеленський, Мельник, Коваль, Федоров and their Russian counterparts).
Feminine surnames that do not end in -а are not declined, in either language; Russian
surnames in -о (Коваленко, Бойко) are not declined at all.
"""

CASES = ("nom", "gen", "dat", "acc", "ins", "loc")
NOM, GEN, DAT, ACC, INS, LOC = range(6)
GENDERS = ("m", "f", "n", "p")  # masculine, feminine, neuter, plural

Forms = tuple[str, ...]


def paradigm(text: str) -> Forms:
    """Six forms separated by `/` (or by spaces when no form has one); a single form is
    an indeclinable word, the same in every case."""
    parts = [p.strip() for p in text.split("/")] if "/" in text else text.split()
    if len(parts) == 1:
        parts *= len(CASES)
    if len(parts) != len(CASES):
        raise ValueError(f"six case forms expected: {text!r}")
    return tuple(parts)


def _endings(stem: str, endings: str) -> Forms:
    """`stem` + each ending; `-` is no ending."""
    return tuple(stem + e.strip("-") for e in endings.split())


def adjective_ua(stem: str) -> dict[str, Forms]:
    """A hard-stem Ukrainian adjective (нов-ий) by gender; the accusative is inanimate."""
    return {
        "m": _endings(stem, "ий ого ому ий им ому"),
        "f": _endings(stem, "а ої ій у ою ій"),
        "n": _endings(stem, "е ого ому е им ому"),
        "p": _endings(stem, "і их им і ими их"),
    }


def adjective_ru(stem: str, *, stressed: bool = False) -> dict[str, Forms]:
    """A Russian adjective (нов-ый, российск-ий, больш-ой) by gender; inanimate accusative.

    After г к х ж ш ч щ the ы of the endings is written и; `stressed` adjectives end in
    -ой in the masculine nominative.
    """
    y = "и" if stem[-1] in "гкхжшчщ" else "ы"
    m_nom = "ой" if stressed else y + "й"
    return {
        "m": _endings(stem, f"{m_nom} ого ому {m_nom} {y}м ом"),
        "f": _endings(stem, "ая ой ой ую ой ой"),
        "n": _endings(stem, f"ое ого ому ое {y}м ом"),
        "p": _endings(stem, f"{y}е {y}х {y}м {y}е {y}ми {y}х"),
    }


def animate(forms: dict[str, Forms]) -> dict[str, Forms]:
    """The same adjective for animate nouns: masculine and plural accusative = genitive."""
    return {
        gender: (*f[:ACC], f[GEN], *f[ACC + 1 :]) if gender in ("m", "p") else f
        for gender, f in forms.items()
    }


def surname_ua(masculine: str, gender: str) -> Forms:
    """A Ukrainian surname, given in its masculine form, for a man (m) or a woman (f)."""
    if masculine.endswith(("ський", "цький")):
        return animate(adjective_ua(masculine[:-2]))[gender]
    if masculine.endswith(("ов", "ев", "йов")):
        if gender == "f":
            return _endings(masculine, "а ої ій у ою ій")
        return _endings(masculine, "- а у а им і")
    if gender == "f":
        return (masculine,) * len(CASES)
    if masculine.endswith("о"):
        return _endings(masculine[:-1], "о а ові а ом ові")
    if masculine.endswith("ь"):
        return _endings(masculine[:-1], "ь я еві я ем еві")
    return _endings(masculine, "- а ові а ом ові")


def surname_ru(masculine: str, gender: str) -> Forms:
    """A Russian surname, given in its masculine form, for a man (m) or a woman (f)."""
    if masculine.endswith(("ский", "цкий")):
        return animate(adjective_ru(masculine[:-2]))[gender]
    if masculine.endswith(("ов", "ев", "ёв", "ин")):
        if gender == "f":
            return _endings(masculine, "а ой ой у ой ой")
        return _endings(masculine, "- а у а ым е")
    if gender == "f" or masculine.endswith("о"):
        return (masculine,) * len(CASES)
    if masculine.endswith("ь"):
        return _endings(masculine[:-1], "ь я ю я ем е")
    return _endings(masculine, "- а у а ом е")


def feminine_ua(masculine: str) -> str:
    """The feminine of a Ukrainian surname (Зеленський → Зеленська, Федоров → Федорова)."""
    return surname_ua(masculine, "f")[NOM]


def feminine_ru(masculine: str) -> str:
    return surname_ru(masculine, "f")[NOM]
