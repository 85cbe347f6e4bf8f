"""Slugs from real-looking headlines, the 120-character cut, and unique numbering."""

import re
from collections.abc import Awaitable, Callable

import pytest

from app.kit.slugs import MAX_SLUG_LENGTH, is_valid_slug, slugify, unique_slug
from app.kit.translit import transliterate

UK_HEADLINES = [
    (
        "НАТО провело навчання з кіберзахисту в Києві",
        "nato-provelo-navchannia-z-kiberzakhystu-v-kyievi",
    ),
    (
        "Верховна Рада ухвалила бюджет на 2025 рік",
        "verkhovna-rada-ukhvalyla-biudzhet-na-2025-rik",
    ),
    (
        "Зеленський зустрівся з прем'єр-міністром Японії",
        "zelenskyi-zustrivsia-z-premier-ministrom-yaponii",
    ),
    (
        "«Шахтар» переміг «Динамо» з рахунком 2:1",
        "shakhtar-peremih-dynamo-z-rakhunkom-2-1",
    ),
    (
        "Уряд виділив $4,5 млн на відновлення Харкова",
        "uriad-vydilyv-4-5-mln-na-vidnovlennia-kharkova",
    ),
    (
        "Синоптики прогнозують сніг — до −15 °C",
        "synoptyky-prohnozuiut-snih-do-15-c",
    ),
    (
        "Ціни на пальне в Україні зросли на 3%",
        "tsiny-na-palne-v-ukraini-zrosly-na-3",
    ),
    (
        "У Львові відкрили пам’ятник Тарасові Шевченку",
        "u-lvovi-vidkryly-pamiatnyk-tarasovi-shevchenku",
    ),
    (
        "Євросоюз погодив новий пакет санкцій проти Росії",
        "yevrosoiuz-pohodyv-novyi-paket-sanktsii-proty-rosii",
    ),
    (
        "Ювілейний концерт «Океану Ельзи» зібрав 70 тисяч глядачів",
        "yuvileinyi-kontsert-okeanu-elzy-zibrav-70-tysiach-hliadachiv",
    ),
    (
        "Їжак, ящірка та їхні друзі: що з'їсти в Ялті?",
        "yizhak-yashchirka-ta-yikhni-druzi-shcho-zisty-v-yalti",
    ),
    (
        "Розгромна перемога: «Згорани» здобули кубок",
        "rozghromna-peremoha-zghorany-zdobuly-kubok",
    ),
    ("Івано-Франківськ", "ivano-frankivsk"),
    ("ЗАПОРІЖЖЯ: ЄДНІСТЬ 🇺🇦", "zaporizhzhia-yednist"),
]

RU_HEADLINES = [
    (
        "Госдума приняла закон о цифровом рубле",
        "gosduma-priniala-zakon-o-tsifrovom-ruble",
    ),
    (
        "В Москве открылся новый парк «Зарядье»",
        "v-moskve-otkrylsia-novyi-park-zariade",
    ),
    ("Съезд партии пройдёт 15 июня", "sieezd-partii-proidet-15-iiunia"),
    ("Цены на жильё выросли на 12% за год", "tseny-na-zhile-vyrosli-na-12-za-god"),
    (
        "Хоккеисты «Спартака» обыграли ЦСКА — 3:2",
        "khokkeisty-spartaka-obygrali-tsska-3-2",
    ),
    (
        "Объём экспорта нефти сократился на $1,2 млрд",
        "obieem-eksporta-nefti-sokratilsia-na-1-2-mlrd",
    ),
    (
        "Шереметьево ввёл новые правила досмотра",
        "sheremetevo-vvel-novye-pravila-dosmotra",
    ),
    ("Учёные нашли следы воды на Марсе", "uchenye-nashli-sledy-vody-na-marse"),
    (
        "Ярославль отметил День города фейерверком",
        "iaroslavl-otmetil-den-goroda-feierverkom",
    ),
    ("Подъём цен на бензин: что известно", "podieem-tsen-na-benzin-chto-izvestno"),
    ("Юбилей Эрмитажа: 260 лет истории", "iubilei-ermitazha-260-let-istorii"),
    (
        "Щедрый урожай: фермеры Кубани собрали рекорд",
        "shchedryi-urozhai-fermery-kubani-sobrali-rekord",
    ),
]

EN_HEADLINES = [
    ("Stocks rally as Fed signals rate cuts", "stocks-rally-as-fed-signals-rate-cuts"),
    (
        "Q&A: What the new EU AI Act means for you",
        "q-and-a-what-the-new-eu-ai-act-means-for-you",
    ),
    ("R&D spending hits record $4.5bn", "r-and-d-spending-hits-record-4-5bn"),
    (
        "“Historic day” — leaders sign climate pact",
        "historic-day-leaders-sign-climate-pact",
    ),
    (
        "Café owners in São Paulo protest new tax",
        "cafe-owners-in-sao-paulo-protest-new-tax",
    ),
    (
        "Dvořák Symphony No. 9 returns to Prague",
        "dvorak-symphony-no-9-returns-to-prague",
    ),
    (
        "Bitcoin tops $100,000 🚀 for the first time",
        "bitcoin-tops-100-000-for-the-first-time",
    ),
    ("COVID-19: WHO warns of new variant", "covid-19-who-warns-of-new-variant"),
    (
        "Mbappé & Haaland: who will win the Ballon d'Or?",
        "mbappe-and-haaland-who-will-win-the-ballon-d-or",
    ),
    (
        "Apple unveils iPhone 17 — price starts at €999",
        "apple-unveils-iphone-17-price-starts-at-999",
    ),
    (
        "Łódź film festival opens with Wajda retrospective",
        "lodz-film-festival-opens-with-wajda-retrospective",
    ),
    ("  Breaking:   UK election results (live) ... ", "breaking-uk-election-results-live"),
    ("Samsung Galaxy™ S25 review", "samsung-galaxy-s25-review"),
    ("AT&T and T-Mobile merge?!", "at-and-t-and-t-mobile-merge"),
]

OTHER_LATIN = [
    ("São Paulo", "pt", "sao-paulo"),
    ("Straße des 17. Juni", "de", "strasse-des-17-juni"),
    ("Żółw w Łodzi", "pl", "zolw-w-lodzi"),
    ("À la carte : été à Paris", "fr", "a-la-carte-ete-a-paris"),
    ("Ærø Færgen", "da", "aero-faergen"),
    ("Ağrı Dağında şiddetli kış", "tr", "agri-daginda-siddetli-kis"),
]


@pytest.mark.parametrize(("title", "expected"), UK_HEADLINES)
def test_ukrainian_headlines(title: str, expected: str) -> None:
    assert slugify(title, "uk") == expected


@pytest.mark.parametrize(("title", "expected"), RU_HEADLINES)
def test_russian_headlines(title: str, expected: str) -> None:
    assert slugify(title, "ru") == expected


@pytest.mark.parametrize(("title", "expected"), EN_HEADLINES)
def test_english_headlines(title: str, expected: str) -> None:
    assert slugify(title, "en") == expected


@pytest.mark.parametrize(("title", "bcp47", "expected"), OTHER_LATIN)
def test_other_latin_languages(title: str, bcp47: str, expected: str) -> None:
    assert slugify(title, bcp47) == expected


@pytest.mark.parametrize(
    ("title", "bcp47"),
    [(t, "uk") for t, _ in UK_HEADLINES]
    + [(t, "ru") for t, _ in RU_HEADLINES]
    + [(t, "en") for t, _ in EN_HEADLINES],
)
def test_headline_slugs_are_valid(title: str, bcp47: str) -> None:
    assert is_valid_slug(slugify(title, bcp47))


@pytest.mark.parametrize(
    ("title", "bcp47"),
    [
        ("", "en"),
        ("   ", "uk"),
        ("🚀🔥🇺🇦", "en"),
        ("— « » … !!!", "uk"),
        ("€ % © ®", "ru"),
        ("北京", "en"),
        ("مرحبا", "uk"),
        ("™", "en"),
    ],
)
def test_nothing_transliterable_gives_empty_slug(title: str, bcp47: str) -> None:
    assert slugify(title, bcp47) == ""


LONG_TITLES = [
    (
        "Верховна Рада ухвалила в першому читанні законопроєкт про реформу місцевого "
        "самоврядування, децентралізацію влади та перерозподіл бюджетних повноважень громад",
        "uk",
    ),
    (
        "Правительство утвердило долгосрочную программу модернизации железнодорожной "
        "инфраструктуры Дальнего Востока и Восточной Сибири до две тысячи тридцать пятого года",
        "ru",
    ),
    (
        "Researchers at the University of Cambridge publish groundbreaking longitudinal study "
        "on the effects of microplastics on freshwater ecosystems across Northern Europe",
        "en",
    ),
    (" ".join(["слово"] * 40), "uk"),
    (" ".join(["ab"] * 100), "en"),
]


@pytest.mark.parametrize(("title", "bcp47"), LONG_TITLES)
def test_long_title_is_cut_at_a_hyphen(title: str, bcp47: str) -> None:
    full = re.sub(r"[^a-z0-9]+", "-", transliterate(title, bcp47)).strip("-")  # uncut
    slug = slugify(title, bcp47)
    assert len(full) > MAX_SLUG_LENGTH
    assert len(slug) <= MAX_SLUG_LENGTH
    assert is_valid_slug(slug)
    assert full.startswith(slug)
    assert full[len(slug)] == "-"  # cut between words, not inside one
    assert len(slug) > MAX_SLUG_LENGTH - 20  # and not needlessly short


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("a" * 200, "a" * 120),
        ("b" * 121, "b" * 120),
        ("c" * 120, "c" * 120),
        ("d" * 120 + " next", "d" * 120),
        ("e" * 119 + " xy", "e" * 119),
        ("f" * 118 + " x", "f" * 118 + "-x"),
        ("ab " + "g" * 200, "ab"),
        ("—" + "h" * 200, "h" * 120),
    ],
)
def test_cut_edges(title: str, expected: str) -> None:
    assert slugify(title, "en") == expected


def test_single_long_cyrillic_word_is_cut_at_120() -> None:
    slug = slugify("Я" + "я" * 199, "uk")
    assert slug == ("ya" + "ia" * 199)[:120]
    assert is_valid_slug(slug)


Taken = Callable[[list[str]], Awaitable[set[str]]]


def taken_from(existing: set[str], asked: list[list[str]] | None = None) -> Taken:
    async def taken(candidates: list[str]) -> set[str]:
        if asked is not None:
            asked.append(candidates)
        return existing & set(candidates)

    return taken


@pytest.mark.parametrize(
    ("base", "existing", "expected"),
    [
        ("kyiv", set(), "kyiv"),
        ("kyiv", {"kyiv-2", "kyivstar"}, "kyiv"),
        ("kyiv", {"kyiv"}, "kyiv-2"),
        ("kyiv", {"kyiv", "kyiv-2"}, "kyiv-3"),
        ("kyiv", {"kyiv", "kyiv-3"}, "kyiv-2"),
        ("kyiv", {"kyiv", "kyivstar", "kyiv-2-lviv"}, "kyiv-2"),
        ("kyiv", {"kyiv", *(f"kyiv-{n}" for n in range(2, 11))}, "kyiv-11"),
        ("nato-2", {"nato-2"}, "nato-2-2"),
        ("", set(), "untitled"),
        ("", {"untitled"}, "untitled-2"),
        ("", {"untitled", "untitled-2"}, "untitled-3"),
    ],
)
async def test_unique_slug(base: str, existing: set[str], expected: str) -> None:
    asked: list[list[str]] = []
    assert await unique_slug(base, taken_from(existing, asked)) == expected
    assert len(asked) == 1  # one query covers the base and the first numbered candidates
    assert asked[0][0] == (base or "untitled") and len(asked[0]) == 21


async def test_unique_slug_asks_in_batches_of_exact_slugs() -> None:
    existing = {"kyiv", *(f"kyiv-{n}" for n in range(2, 45))}
    asked: list[list[str]] = []
    assert await unique_slug("kyiv", taken_from(existing, asked), batch=20) == "kyiv-45"
    assert [len(batch) for batch in asked] == [21, 20, 20]
    assert asked[1][0] == "kyiv-22" and asked[2][-1] == "kyiv-61"


LONG_BASES = [
    "-".join(["word"] * 24),  # 119 characters, hyphens throughout
    "a" * 120,  # one word
    "x" * 110 + "-" + "y" * 9,  # a boundary just before the room for the number
    slugify(LONG_TITLES[0][0], "uk"),
]


@pytest.mark.parametrize("base", LONG_BASES)
async def test_unique_slug_of_a_long_base_stays_within_the_limit(base: str) -> None:
    assert is_valid_slug(base)
    asked: list[list[str]] = []
    first = await unique_slug(base, taken_from({base}, asked))
    second = await unique_slug(base, taken_from({base, first}))
    stem = asked[0][1].removesuffix("-2")
    for slug in (first, second):
        assert slug != base
        assert len(slug) <= MAX_SLUG_LENGTH
        assert is_valid_slug(slug)
        assert slug.startswith(stem)
        assert base.startswith(stem)
    assert first.endswith("-2")
    assert second.endswith("-3")
    assert first != second


async def test_long_base_that_is_free_is_kept_whole() -> None:
    base = "a" * 120
    assert await unique_slug(base, taken_from({"a" * 113 + "-2"})) == base
