"""One newsroom story for the OpenAPI examples: the ids, times and texts schemas share.

Thursday 26 November 2026: after a power cut in the night, "Київ відновлює рух метро".
Olena Kovalenko's Ukrainian original is scheduled for 09:00 Kyiv time (07:00 UTC) and its
body corrected at 10:05; the Russian draft was translated before that correction (so it is
`outdated`), the English translation after it, published at 11:30. Response examples show
times the way the API sends them (UTC, `Z`); request examples may use any RFC 3339 offset.

The story is the demo newsroom's (`app/demo/demo.json`, loaded by `scripts/serve`) with
these ids, slugs and times, and `add_parameter_examples` gives every path parameter of the
contract a value from it, so each example request ("Try it out") answers against the demo
(`tests/test_demo_examples.py`).
"""

import copy
from typing import Any

from pydantic import BaseModel
from pydantic.config import JsonDict


def examples(*items: JsonDict) -> JsonDict:
    """The `json_schema_extra` that gives a model's schema these `examples`."""
    return {"examples": [*items]}


def restore_null_examples(document: dict[str, Any]) -> None:
    """Put the models' own `examples` back into an OpenAPI document made by FastAPI.

    `get_openapi()` encodes the document with `exclude_none=True`, which also drops every
    null inside an example (fastapi/fastapi#5559): a required nullable field goes missing
    and the example no longer matches its own schema.
    """
    models: dict[str, type[BaseModel]] = {}
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for model in pending.pop().__subclasses__():
            pending.append(model)
            if model.__module__.startswith("app."):
                models[model.__name__] = model
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        extra = models[name].model_config.get("json_schema_extra") if name in models else None
        if "examples" in schema and isinstance(extra, dict) and "examples" in extra:
            schema["examples"] = copy.deepcopy(extra["examples"])


def path(language: str, slug: str) -> str:
    return f"/v1/{language}/articles/{slug}"


ARTICLE_ID = "03ba464b-66e2-4ea8-858a-ba080df7fe84"
AUTHOR_ID = "f6da450a-ddfe-4f5b-bb1c-6b9a8b60a6a0"
CATEGORY_ID = "c2b57155-2f3f-4a09-8383-9239728f70af"
TAG_TRANSPORT_ID = "e767972c-9dba-4278-8190-6058f8036abe"
TAG_KYIV_ID = "638158ab-43e6-4909-a491-2264d4bf5b42"
MEDIA_ID = "bf7ea0c3-d627-4182-8fed-84a7ca30a45c"
# The day before's article, next on a newest-first page, and its author.
EARLIER_ARTICLE_ID = "6b65dded-0b4f-44fa-a368-fb49e01ca57f"
EARLIER_AUTHOR_ID = "5c67b1c1-4031-4502-ae69-7ba5d1fbe700"

AUTHOR_EMAIL = "olena.kovalenko@newsdesk.example"
EDITOR_EMAIL = "iryna.melnyk@newsdesk.example"
TRANSLATOR_EMAIL = "mariia.bondar@newsdesk.example"

ORIGINAL = "ua"
TITLE = {
    "ua": "Київ відновлює рух метро",
    "en": "Kyiv metro reopens",
    "ru": "Киев возобновляет движение метро",
}
SLUG = {
    "ua": "kyiv-vidnovliuie-rukh-metro",
    "en": "kyiv-metro-reopens",
    "ru": "kiev-vozobnovliaet-dvizhenie-metro",
}
LEAD = {
    "ua": "Усі три лінії столичного метрополітену знову працюють після аварійного "
    "знеструмлення в ніч на четвер.",
    "en": "All three lines of the capital’s metro are running again after an emergency "
    "power cut on Wednesday night.",
    "ru": "Все три линии столичного метрополитена снова работают после аварийного "
    "обесточивания в ночь на четверг.",
}
# As sanitized and stored; the Ukrainian text after its 10:05 correction ("п’яти" before).
BODY_HTML = {  # headings carry the ids derived from their text (OUTLINE)
    "ua": '<h2 id="shcho-vidomo">Що відомо</h2>'
    "<p>Перші потяги вийшли на лінії о 06:00, повідомили в КМДА.</p>"
    "<p>Інтервал руху в години пік — до чотирьох хвилин.</p>",
    "en": '<h2 id="what-we-know">What we know</h2>'
    "<p>The first trains left at 06:00, the Kyiv City State "
    "Administration said.</p><p>At peak hours trains run every four minutes.</p>",
    "ru": '<h2 id="chto-izvestno">Что известно</h2>'
    "<p>Первые поезда вышли на линии в 06:00, сообщили в КГГА.</p>"
    "<p>Интервал движения в часы пик — до пяти минут.</p>",
}
OUTLINE: dict[str, list[JsonDict]] = {
    "ua": [{"level": 2, "text": "Що відомо", "id": "shcho-vidomo"}],
    "en": [{"level": 2, "text": "What we know", "id": "what-we-know"}],
    "ru": [{"level": 2, "text": "Что известно", "id": "chto-izvestno"}],
}
FIRST_BODY_HTML_UA = BODY_HTML["ua"].replace("чотирьох", "п’яти")
WORD_COUNT = {"ua": 39, "en": 45, "ru": 39}
SOURCE: JsonDict = {"name": "Kyiv City State Administration", "url": "https://kyivcity.gov.ua/"}

# Server-made times carry microseconds; publication times are the ones editors chose.
CREATED_AT = "2026-11-26T06:40:12.318204Z"  # the article and its Ukrainian original
UA_SCHEDULED_AT = "2026-11-26T06:58:40.771935Z"
UA_PUBLISHED_AT = "2026-11-26T07:00:00Z"
RU_CREATED_AT = "2026-11-26T07:35:56.482310Z"
UA_CORRECTED_AT = "2026-11-26T08:05:27.904417Z"
EN_CREATED_AT = "2026-11-26T08:15:47.120583Z"
EN_PUBLISHED_AT = "2026-11-26T09:30:02.417736Z"
TAXONOMY_CREATED_AT = "2026-03-02T08:11:09.250117Z"
# The note the 10:05 correction of the Ukrainian body added (its public `corrections`).
CORRECTION_ID = "9e2f4c7a-1b3d-4e5f-8a6b-7c8d9e0f1a2b"
CORRECTION_TEXT_UA = (
    "Виправлено: у години пік потяги курсують з інтервалом до чотирьох хвилин, а не до "
    "п’яти, як ішлося в попередній версії."
)

AUTHOR_NAME = {"ua": "Олена Коваленко", "en": "Olena Kovalenko", "ru": "Елена Коваленко"}
AUTHOR_SLUG = {"ua": "olena-kovalenko", "en": "olena-kovalenko", "ru": "elena-kovalenko"}
AUTHOR_BIO = {
    "ua": "Міжнародна оглядачка Newsdesk. Пише про безпеку, НАТО та кіберзагрози; раніше "
    "працювала кореспонденткою в Брюсселі.",
    "en": "Newsdesk international affairs correspondent covering security, NATO and cyber "
    "threats. Previously reported from Brussels.",
    "ru": "Международный обозреватель Newsdesk. Пишет о безопасности, НАТО и киберугрозах; "
    "ранее работала корреспондентом в Брюсселе.",
}
EARLIER_AUTHOR_NAME = {"ua": "Андрій Шевчук", "en": "Andrii Shevchuk", "ru": "Андрей Шевчук"}
EARLIER_AUTHOR_SLUG = {"ua": "andrii-shevchuk", "en": "andrii-shevchuk", "ru": "andrei-shevchuk"}
CATEGORY_NAME = {"ua": "Україна", "en": "Ukraine", "ru": "Украина"}
CATEGORY_SLUG = {"ua": "ukraina", "en": "ukraine", "ru": "ukraina"}
TAG_TRANSPORT_NAME = {"ua": "Транспорт", "en": "Transport", "ru": "Транспорт"}
TAG_TRANSPORT_SLUG = {"ua": "transport", "en": "transport", "ru": "transport"}
TAG_KYIV_NAME = {"ua": "Київ", "en": "Kyiv", "ru": "Киев"}
TAG_KYIV_SLUG = {"ua": "kyiv", "en": "kyiv", "ru": "kiev"}

# The demo's cover (`app/demo/images/khreshchatyk-train.jpg`), as a CDN in front of the
# media storage would serve it; its hash is the file's SHA-256.
COVER_HASH = "0f9c314961d95da05e560224ab7e6695ad4515bcb28408282534c6be082360c1"
COVER_BASE = f"https://cdn.newsdesk.example/media/0f/{COVER_HASH}"
COVER_URL = f"{COVER_BASE}/full-1280.jpg"
COVER_BLURHASH = "LRHLYl$dr=xu~Vt7ofof=;SjS6ae"
COVER_COLOR = "#8b827c"


def renditions() -> list[dict[str, object]]:
    """A few of the upload's renditions (the record has every width, format and crop)."""
    return [
        {"url": f"{COVER_BASE}/full-640.webp", "width": 640, "height": 426, "format": "webp",
         "crop": None},
        {"url": f"{COVER_BASE}/full-1280.jpg", "width": 1280, "height": 853, "format": "jpeg",
         "crop": None},
        {"url": f"{COVER_BASE}/16x9-400-550-1280.webp", "width": 1280, "height": 720,
         "format": "webp", "crop": "16:9"},
    ]  # fmt: skip


COVER_WIDTH, COVER_HEIGHT = 1280, 853
COVER_CREDIT = "Newsdesk demo (drawn illustration)"
COVER_CAPTION = {
    "ua": "Потяг прибуває на станцію «Хрещатик» у четвер вранці",
    "en": "A train pulls into Khreshchatyk station on Thursday morning",
    "ru": "Поезд прибывает на станцию «Крещатик» в четверг утром",
}
COVER_ALT = {
    "ua": "Потяг метро біля заповненої людьми платформи",
    "en": "A metro train beside a crowded platform",
    "ru": "Поезд метро у заполненной людьми платформы",
}


def names(name: dict[str, str], slug: dict[str, str]) -> JsonDict:
    """A term's or author's `translations` as the admin API shows them."""
    return {lang: {"name": name[lang], "slug": slug[lang]} for lang in name}


def ref(ident: str, name: dict[str, str], slug: dict[str, str], language: str) -> JsonDict:
    """A term or author as a public article names it in `language`."""
    return {"id": ident, "name": name[language], "slug": slug[language]}


# Path and query parameters: what `add_parameter_examples` gives each, by name; a slug by
# the kind of thing its path names. Operations whose parameter no demo can hold (a secret
# preview token, users and webhooks the demo does not make) keep their schema's example.
PARAMETERS: dict[str, object] = {
    "lang": ORIGINAL,
    "article_id": ARTICLE_ID,
    "media_id": MEDIA_ID,
    "tag_id": TAG_KYIV_ID,
    "category_id": CATEGORY_ID,
    "author_id": AUTHOR_ID,
    "number": 1,  # a revision
    "page": 1,  # a sitemap page: page 1 always exists
}
SLUGS = {
    "/articles/{slug}": SLUG[ORIGINAL],
    "/tags/{slug}": TAG_KYIV_SLUG[ORIGINAL],
    "/categories/{slug}": CATEGORY_SLUG[ORIGINAL],
    "/authors/{slug}": AUTHOR_SLUG[ORIGINAL],
}
# By operation: a search that finds the story; the version that has a pending copy.
BY_OPERATION: dict[tuple[str, str], object] = {
    ("listArticles", "q"): "метро",
    ("getPendingTranslation", "lang"): "en",
    ("getProblemType", "code"): "precondition-failed",
}
DEMO = "demo"  # the name of the example in each parameter's `examples`


def parameter_example(path: str, operation_id: str, name: str, where: str) -> object | None:
    """The demo newsroom's value for a path (or listed query) parameter, if it has one."""
    if (operation_id, name) in BY_OPERATION:
        return BY_OPERATION[(operation_id, name)]
    if where == "query":
        return None
    if name == "slug":
        return next((slug for kind, slug in SLUGS.items() if kind in path), None)
    return PARAMETERS.get(name)


def add_parameter_examples(document: dict[str, Any]) -> None:
    """Give the parameters of the contract's operations the demo's values, as an OpenAPI
    `examples` entry (what Swagger UI's "Try it out" fills in) and as their schema's
    `examples` (what generators and FastAPI's own show)."""
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                where, name = parameter.get("in"), parameter.get("name", "")
                if where not in ("path", "query"):
                    continue
                value = parameter_example(path, operation.get("operationId", ""), name, where)
                if value is None:
                    continue
                parameter["examples"] = {
                    DEMO: {"summary": "From the demo newsroom (scripts/serve)", "value": value}
                }
                parameter.setdefault("schema", {})["examples"] = [value]
