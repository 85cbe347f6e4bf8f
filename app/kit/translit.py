"""Cyrillic → Latin transliteration for slugs, by each language's official system.

* Ukrainian (`uk`): the national system of 2010, Cabinet of Ministers of Ukraine
  resolution no. 55 of 27 January 2010. Є, Ї, Й, Ю, Я are written ye, yi, y, yu, ya at
  the start of a word and ie, i, i, iu, ia elsewhere; зг is zgh (to keep it apart from
  ж = zh); the soft sign and the apostrophe are dropped.
* Russian (`ru`): ICAO Doc 9303 (7th edition, 2015), the system of Russian passports
  since 2013: ё → e, й → i, х → kh, ц → ts, щ → shch, ъ → ie, ы → y, ь dropped,
  ю → iu, я → ia.
* Every other language: ASCII folding (diacritics dropped, ł → l, ß → ss, ...).
"""

import re
import unicodedata

_UK = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ю": "iu", "я": "ia",
}  # fmt: skip
_UK_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip

# Letters that NFKD does not decompose into ASCII + combining marks.
_LATIN_EXTRA = {
    "ł": "l", "đ": "d", "ð": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th",
    "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "n", "ſ": "s",
}  # fmt: skip

# Cyrillic letters of neither table (Belarusian ў, Serbian ђ, ...) in a Latin-language title.
_CYRILLIC_FALLBACK = {**_RU, **_UK, "ў": "u", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj",
                      "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz"}  # fmt: skip

_APOSTROPHES = "'’ʼ`´‘"
_WORD_CHARS = re.compile(r"\w", re.UNICODE)


def _is_word_char(ch: str) -> bool:
    return bool(_WORD_CHARS.match(ch)) or ch in _APOSTROPHES


def _starts_word(text: str, i: int) -> bool:
    """No letter or digit before `text[i]`, looking past apostrophes: Мар'їне has none
    at ї (р comes first), but in ‘Ялта’ the opening quote is all there is before Я."""
    j = i - 1
    while j >= 0 and text[j] in _APOSTROPHES:
        j -= 1
    return j < 0 or not _WORD_CHARS.match(text[j])


def _ukrainian(text: str) -> str:
    out: list[str] = []
    lowered = text.lower()
    for i, ch in enumerate(lowered):
        if ch in _APOSTROPHES and i > 0 and _is_word_char(lowered[i - 1]):
            continue  # the apostrophe inside a word is dropped: Знам'янка → znamianka
        word_start = _starts_word(lowered, i)
        if ch == "г" and i > 0 and lowered[i - 1] == "з":
            out.append("gh")
        elif word_start and ch in _UK_WORD_START:
            out.append(_UK_WORD_START[ch])
        else:
            out.append(_UK.get(ch, ch))
    return "".join(out)


def _russian(text: str) -> str:
    return "".join(_RU.get(ch, ch) for ch in text.lower())


def ascii_fold(text: str) -> str:
    """Latin letters to ASCII; anything else not ASCII is dropped."""
    out: list[str] = []
    for ch in text.lower():
        if ch.isascii():
            out.append(ch)
        elif ch in _LATIN_EXTRA:
            out.append(_LATIN_EXTRA[ch])
        elif ch in _CYRILLIC_FALLBACK:
            out.append(_CYRILLIC_FALLBACK[ch])
        elif unicodedata.category(ch).startswith("S"):
            continue  # symbols and emoji are dropped, also those NFKD spells out (™ → TM)
        else:
            # NFKD may yield capitals that lower() left alone (ℌ → H, Ⅻ → XII).
            decomposed = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in decomposed if c.isascii()).lower())
    return "".join(out)


_SYSTEMS = {"uk": _ukrainian, "ru": _russian}


def transliterate(text: str, bcp47: str) -> str:
    """Text in the language `bcp47` as lower-case ASCII, by that language's system."""
    system = _SYSTEMS.get(bcp47.split("-")[0].lower())
    text = unicodedata.normalize("NFC", text)  # й, ї, ё as one letter, not base + mark
    return ascii_fold(system(text) if system else text)
