"""A list page is written from its cards' fields (`app.public.reads.CardPage`), not from
its models: the values the statements give are written as the models write them. The
pages themselves are compared with their models' bytes through HTTP (`test_page`,
`test_hot_path`); these are the values' own rules, over every value."""

import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from app.public.reads import CardPage, _id, _stamp
from app.public.schemas import ArticleCard

_DATETIME = TypeAdapter(datetime)
_UUID = TypeAdapter(uuid.UUID)
_MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)
).map(lambda moment: moment.replace(tzinfo=UTC))


def _written(adapter: TypeAdapter[Any], value: object) -> str:
    return adapter.dump_json(value)[1:-1].decode()


@given(_MOMENTS)
def test_a_timestamp_is_written_as_the_models_write_it(moment: datetime) -> None:
    """The statements' text (`{ts}` in `app.public.reads`: RFC 3339, six digits of
    fraction, four of the year) and any other text pydantic reads."""
    stated = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S.%f}Z"
    assert _stamp(stated) == _written(_DATETIME, moment)
    for other in (moment.isoformat(), f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"):
        assert _stamp(other) == _written(_DATETIME, _DATETIME.validate_python(other))


@given(st.uuids())
def test_an_id_is_written_as_the_models_write_it(ident: uuid.UUID) -> None:
    """PostgreSQL's text of a uuid, SQLite's stored hex, and either in capitals."""
    expected = _written(_UUID, ident)
    for given_ in (str(ident), ident.hex, ident.hex.upper(), str(ident).upper()):
        assert _id(given_) == expected


def test_a_page_is_written_as_its_model_writes_it() -> None:
    """Every field of a card, nested models and nulls included, in the model's order."""
    ident = uuid.UUID("0b6f5a0e-8d4b-4a59-9a3e-0f9f1c2d3e4f")
    card = {
        "id": str(ident),
        "language": "ua",
        "slug": "kyiv-metro",
        "path": "/v1/ua/articles/kyiv-metro",
        "title": 'Метро "Київ" <відкрито> \u2028 & ще',
        "lead": "Лід\x00\x01",
        "cover": {
            "id": str(ident),
            "url": "https://media.example.com/a.jpg",
            "width": 1600,
            "height": 900,
            "credit": None,
            "caption": "Підпис",
            "alt": None,
            "renditions": [
                {
                    "url": "https://m/a.webp",
                    "width": 800,
                    "height": 450,
                    "format": "webp",
                    "crop": "16:9",
                },
                {
                    "url": "https://m/a.jpg",
                    "width": 400,
                    "height": 225,
                    "format": "jpeg",
                    "crop": None,
                },
            ],
            "blurhash": None,
            "dominant_color": "#5a6b7c",
        },
        "authors": [{"id": str(ident), "name": "Авторка", "slug": "avtorka"}],
        "category": None,
        "tags": [],
        "published_at": "0500-01-02T03:04:05.000120Z",
        "updated_at": "2026-12-07T10:00:00Z",
        "reading_time_minutes": 3,
        "original_language": "ua",
        "url": "https://news.example.com/ua/kyiv-metro",
        "alternates": [
            {
                "language": "ua",
                "bcp47": "uk",
                "slug": "kyiv-metro",
                "path": "/v1/ua/articles/kyiv-metro",
                "url": "https://news.example.com/ua/kyiv-metro",
                "current": True,
            },
        ],
        "snippet": "… <mark>Київ</mark> …",
    }
    for page in (CardPage([card, {**card, "snippet": None}], "cursor"), CardPage([])):
        assert page.body() == page.model().model_dump_json().encode()
    assert list(card) == list(ArticleCard.model_fields)
