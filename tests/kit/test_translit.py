"""Transliteration by each language's official system, checked against hand-derived tables.

* Ukrainian: Cabinet of Ministers of Ukraine resolution no. 55 of 27 January 2010; the
  first table is the resolution's own list of examples.
* Russian: ICAO Doc 9303 (Russian passports since 2013); every expected value below was
  worked out letter by letter from the table in `app.kit.translit`.
* Latin-script languages: ASCII folding.
"""

import re
import unicodedata

import pytest

from app.kit.translit import ascii_fold, transliterate

# The examples printed in the 2010 resolution itself.
UK_OFFICIAL_EXAMPLES = [
    ("Алушта", "alushta"),
    ("Андрій", "andrii"),
    ("Борщагівка", "borshchahivka"),
    ("Борисенко", "borysenko"),
    ("Вінниця", "vinnytsia"),
    ("Володимир", "volodymyr"),
    ("Гадяч", "hadiach"),
    ("Богдан", "bohdan"),
    ("Згурський", "zghurskyi"),
    ("Ґалаґан", "galagan"),
    ("Ґорґани", "gorgany"),
    ("Донецьк", "donetsk"),
    ("Дмитро", "dmytro"),
    ("Рівне", "rivne"),
    ("Олег", "oleh"),
    ("Есмань", "esman"),
    ("Єнакієве", "yenakiieve"),
    ("Гаєвич", "haievych"),
    ("Короп'є", "koropie"),
    ("Житомир", "zhytomyr"),
    ("Жанна", "zhanna"),
    ("Жежелів", "zhezheliv"),
    ("Закарпаття", "zakarpattia"),
    ("Казимирчук", "kazymyrchuk"),
    ("Медвин", "medvyn"),
    ("Михайленко", "mykhailenko"),
    ("Іванків", "ivankiv"),
    ("Іващенко", "ivashchenko"),
    ("Їжакевич", "yizhakevych"),
    ("Кадиївка", "kadyivka"),
    ("Мар'їне", "marine"),
    ("Йосипівка", "yosypivka"),
    ("Стрий", "stryi"),
    ("Олексій", "oleksii"),
    ("Київ", "kyiv"),
    ("Коваленко", "kovalenko"),
    ("Лебедин", "lebedyn"),
    ("Леонід", "leonid"),
    ("Миргород", "myrhorod"),
    ("Маринич", "marynych"),
    ("Ніжин", "nizhyn"),
    ("Наталія", "nataliia"),
    ("Одеса", "odesa"),
    ("Онищенко", "onyshchenko"),
    ("Полтава", "poltava"),
    ("Петро", "petro"),
    ("Решетилівка", "reshetylivka"),
    ("Рибчинський", "rybchynskyi"),
    ("Суми", "sumy"),
    ("Соломія", "solomiia"),
    ("Тернопіль", "ternopil"),
    ("Троць", "trots"),
    ("Ужгород", "uzhhorod"),
    ("Уляна", "uliana"),
    ("Фастів", "fastiv"),
    ("Філіпчук", "filipchuk"),
    ("Харків", "kharkiv"),
    ("Христина", "khrystyna"),
    ("Біла Церква", "bila tserkva"),
    ("Стеценко", "stetsenko"),
    ("Чернівці", "chernivtsi"),
    ("Шевченко", "shevchenko"),
    ("Шостка", "shostka"),
    ("Кишеньки", "kyshenky"),
    ("Щербухи", "shcherbukhy"),
    ("Гоща", "hoshcha"),
    ("Гаращенко", "harashchenko"),
    ("Юрій", "yurii"),
    ("Корюківка", "koriukivka"),
    ("Яготин", "yahotyn"),
    ("Ярошенко", "yaroshenko"),
    ("Костянтин", "kostiantyn"),
    ("Знам'янка", "znamianka"),
    ("Феодосія", "feodosiia"),
    ("Згорани", "zghorany"),
    ("Розгон", "rozghon"),
    ("Щастя", "shchastia"),
]

# Further words, derived from the same table: capitals, word starts after spaces and
# hyphens, the three apostrophe characters, зг inside a word, the soft sign before о.
UK_MORE = [
    ("КИЇВ", "kyiv"),
    ("ЄВРОПА", "yevropa"),
    ("ЗГУРСЬКИЙ", "zghurskyi"),
    ("ЮЛІЯ", "yuliia"),
    ("Запоріжжя", "zaporizhzhia"),
    ("Івано-Франківськ", "ivano-frankivsk"),
    ("Кам'янець-Подільський", "kamianets-podilskyi"),
    ("Ізюм", "izium"),
    ("Ялта", "yalta"),
    ("Юлія", "yuliia"),
    ("Ївга", "yivha"),
    ("Євген", "yevhen"),
    ("Святослав", "sviatoslav"),
    ("Яйце", "yaitse"),
    ("Львів", "lviv"),
    ("Дніпро", "dnipro"),
    ("Чернігів", "chernihiv"),
    ("Льовочкін", "lovochkin"),
    ("Короп’є", "koropie"),  # U+2019 right single quotation mark
    ("Коропʼє", "koropie"),  # U+02BC modifier letter apostrophe
    ("з'їзд", "zizd"),
    ("в’їзд", "vizd"),
    ("безгрошів'я", "bezghroshivia"),
    ("Єва й Яна", "yeva y yana"),  # й standing alone starts a word
    ("у Ялті", "u yalti"),
    ("Ось-ось Їжак", "os-os yizhak"),
    ("Соловйово-Ясне", "soloviovo-yasne"),
    ("2-й етап", "2-y etap"),
    ("ґудзик", "gudzyk"),
    ("Щоденник", "shchodennyk"),
    ("Подвір'я", "podviria"),
    ("м'ята", "miata"),
]


@pytest.mark.parametrize(("word", "expected"), UK_OFFICIAL_EXAMPLES)
def test_ukrainian_official_examples(word: str, expected: str) -> None:
    assert transliterate(word, "uk") == expected


@pytest.mark.parametrize(("word", "expected"), UK_MORE)
def test_ukrainian_more_words(word: str, expected: str) -> None:
    assert transliterate(word, "uk") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An opening quote written like an apostrophe is not a letter: the word still starts.
        ("'Ялта'", "'yalta"),
        ("‘Їжак’", "yizhak"),
        ("`Юрій`", "`yurii"),
    ],
)
def test_ukrainian_quote_before_word_keeps_word_start(text: str, expected: str) -> None:
    assert transliterate(text, "uk") == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Андрій", "andrii"), ("Їжакевич", "yizhakevych"), ("Йосипівка", "yosypivka")],
)
def test_ukrainian_decomposed_input_is_the_same_letters(word: str, expected: str) -> None:
    decomposed = unicodedata.normalize("NFD", word)
    assert decomposed != word  # й and ї really are split into base + combining mark
    assert transliterate(decomposed, "uk") == expected


# ICAO Doc 9303, derived by hand, letter by letter.
RU_WORDS = [
    ("Москва", "moskva"),
    ("Щукин", "shchukin"),
    ("Ёлкин", "elkin"),
    ("Подъезд", "podieezd"),
    ("Съезд", "sieezd"),
    ("Объявление", "obieiavlenie"),
    ("Объём", "obieem"),
    ("Юрий", "iurii"),
    ("Сергей", "sergei"),
    ("Хабаровск", "khabarovsk"),
    ("Царёв", "tsarev"),
    ("Мышь", "mysh"),
    ("Санкт-Петербург", "sankt-peterburg"),
    ("Екатеринбург", "ekaterinburg"),
    ("Новосибирск", "novosibirsk"),
    ("Нижний Новгород", "nizhnii novgorod"),
    ("Ярославль", "iaroslavl"),
    ("Якутск", "iakutsk"),
    ("Южно-Сахалинск", "iuzhno-sakhalinsk"),
    ("Юлия", "iuliia"),
    ("Андрей", "andrei"),
    ("Дмитрий", "dmitrii"),
    ("Наталья", "natalia"),
    ("Татьяна", "tatiana"),
    ("Алексей", "aleksei"),
    ("Эхо", "ekho"),
    ("Экономика", "ekonomika"),
    ("Жуков", "zhukov"),
    ("Чайковский", "chaikovskii"),
    ("Шереметьево", "sheremetevo"),
    ("Выборы", "vybory"),
    ("Цой", "tsoi"),
    ("Фёдор", "fedor"),
    ("Пётр", "petr"),
    ("Хрущёв", "khrushchev"),
    ("Горбачёв", "gorbachev"),
    ("Ельцин", "eltsin"),
    ("Воронеж", "voronezh"),
    ("Кызыл", "kyzyl"),
    ("Владивосток", "vladivostok"),
    ("Государственная Дума", "gosudarstvennaia duma"),
    ("Згурский", "zgurskii"),  # no зг rule in Russian
    ("МОСКВА", "moskva"),
    ("ЁЖ", "ezh"),
    ("Гжель", "gzhel"),
]


@pytest.mark.parametrize(("word", "expected"), RU_WORDS)
def test_russian_icao(word: str, expected: str) -> None:
    assert transliterate(word, "ru") == expected


@pytest.mark.parametrize(
    ("text", "bcp47", "expected"),
    [
        ("Київ", "uk-UA", "kyiv"),
        ("Їжакевич", "UK", "yizhakevych"),
        ("Юрий", "ru-RU", "iurii"),
        ("Щастя", "uk", "shchastia"),
        ("Щастя", "ru", "shchastia"),  # щ is the same in both systems
        ("Гора", "uk", "hora"),
        ("Гора", "ru", "gora"),  # г: h in Ukrainian, g in Russian
        ("Юля", "uk", "yulia"),
        ("Юля", "ru", "iulia"),  # ю at a word start: yu in Ukrainian only
        ("Кит", "uk", "kyt"),
        ("Кит", "ru", "kit"),  # и: y in Ukrainian, i in Russian
    ],
)
def test_language_tag_picks_the_system(text: str, bcp47: str, expected: str) -> None:
    assert transliterate(text, bcp47) == expected


LATIN = [
    ("Łódź", "pl", "lodz"),
    ("Żółw", "pl", "zolw"),
    ("Gdańsk", "pl", "gdansk"),
    ("Wrocław", "pl", "wroclaw"),
    ("Kraków", "pl", "krakow"),
    ("Źdźbło", "pl", "zdzblo"),
    ("Straße", "de", "strasse"),
    ("Köln", "de", "koln"),
    ("Müller", "de", "muller"),
    ("Ærø", "da", "aero"),
    ("Øresund", "da", "oresund"),
    ("façade", "fr", "facade"),
    ("Œuvre", "fr", "oeuvre"),
    ("Élysée", "fr", "elysee"),
    ("São Paulo", "pt", "sao paulo"),
    ("Dvořák", "cs", "dvorak"),
    ("Škoda", "cs", "skoda"),
    ("Ğ ş ı", "tr", "g s i"),
    ("Işık", "tr", "isik"),
    ("İstanbul", "tr", "istanbul"),
    ("Doğan", "tr", "dogan"),
    ("Şişli", "tr", "sisli"),
    ("Þingvellir", "is", "thingvellir"),
    ("Reykjavík", "is", "reykjavik"),
    ("Año Nuevo", "es", "ano nuevo"),
    ("Ștefan Țara", "ro", "stefan tara"),
    ("Erdős", "hu", "erdos"),
    ("Nguyễn", "vi", "nguyen"),
    ("Đà Nẵng", "vi", "da nang"),
    ("Ħamrun", "mt", "hamrun"),
    ("Café", "en-GB", "cafe"),
    ("Hello World", "en", "hello world"),
    ("ﬁnal", "en", "final"),  # the ligature ﬁ decomposes to f + i
    ("ＡＢＣ", "en", "abc"),  # full-width letters
]


@pytest.mark.parametrize(("text", "bcp47", "expected"), LATIN)
def test_latin_ascii_folding(text: str, bcp47: str, expected: str) -> None:
    assert transliterate(text, bcp47) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Galaxy™", "galaxy"),  # ™ is a symbol: dropped, not spelled "TM"
        ("℠ Service", " service"),
        ("Kyiv 🚀", "kyiv "),
        ("€5", "5"),
        ("北京", ""),
    ],
)
def test_ascii_fold_drops_symbols_and_unknown_scripts(text: str, expected: str) -> None:
    assert ascii_fold(text) == expected


@pytest.mark.parametrize(
    ("text", "bcp47"),
    [
        ("Apple™ і Samsung℠ — «лідери» ринку 📱", "uk"),
        ("ℌello Ⅻ ㎏ № 5 ½", "en"),
        ("Ёжик в тумане™ №1", "ru"),
        ("ＡＢＣ Ǆ ǅ ǆ", "pl"),
        ("Çà et là, Œdipe ß", "fr"),
    ],
)
def test_output_is_always_lower_case_ascii(text: str, bcp47: str) -> None:
    result = transliterate(text, bcp47)
    assert result.isascii()
    assert result == result.lower()
    assert not re.search(r"[A-Z]", result)
