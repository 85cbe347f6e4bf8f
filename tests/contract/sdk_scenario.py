"""A frontend's first steps with the generated Python client (`newsdesk_client`).

    python sdk_scenario.py BASE_URL ADMIN_KEY

with the package generated from openapi/openapi.json importable (tests/contract/test_sdks.py
generates it next to a copy of this file). Against a server with the demo newsroom loaded,
it lists articles in `ua`, reads one with its alternates, creates an article and its
English translation and publishes both with an admin key, reads them back publicly, and
gets a 404 as a typed `Problem`. It exits 1 with a message on the first failed
expectation; `mypy --strict` checks it together with the generated package.
"""

import io
import json
import sys
import uuid
from typing import TypeVar

from newsdesk_client import AuthenticatedClient, Client
from newsdesk_client.api.articles import create_article, publish_translation, put_translation
from newsdesk_client.api.media import create_media
from newsdesk_client.api.public import get_article, list_articles
from newsdesk_client.models import (
    Alternate,
    ArticleCreate,
    ArticleCreateTranslations,
    ArticlePage,
    ArticleRead,
    MediaRead,
    MediaUpload,
    Problem,
    PublicArticle,
    PublishIn,
    Status,
    TranslationIn,
    TranslationRead,
)
from newsdesk_client.types import UNSET, File, Response, Unset
from PIL import Image, ImageDraw

T = TypeVar("T")
R = TypeVar("R")
OTHER_LANGUAGES = {"en", "ru"}


class ScenarioFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioFailed(message)


def parsed(response: Response[R], kind: type[T], status: int, what: str) -> T:
    """The response's parsed body, which must be a `kind` with this HTTP status."""
    body = response.parsed
    if response.status_code != status or not isinstance(body, kind):
        raise ScenarioFailed(
            f"{what}: expected {status} with a {kind.__name__}, got {response.status_code} "
            f"({type(body).__name__}): {response.content[:500]!r}"
        )
    return body


def read_article(client: Client, lang: str, slug: str) -> PublicArticle:
    response = get_article.sync_detailed(lang, slug, client=client)
    article = parsed(response, PublicArticle, 200, f"getArticle {lang}/{slug}")
    expect(
        (article.language, article.slug) == (lang, slug),
        f"getArticle {lang}/{slug} answered {article.language}/{article.slug}",
    )
    links = response.headers.get("link", "")
    expect(
        f'<{article.canonical_url}>; rel="canonical"' in links,
        f"{lang}/{slug}: no canonical Link header: {links!r}",
    )
    for alternate in article.alternates:
        expect(
            f'<{alternate.url}>; rel="alternate"; hreflang="{alternate.bcp47}"' in links,
            f"{lang}/{slug}: no Link header for the alternate {alternate.url}: {links!r}",
        )
    return article


def alternates_of(article: PublicArticle) -> dict[str, Alternate]:
    """The article's alternates in the other languages: every public version is listed
    once, its own flagged `current` (and at the article's own URL)."""
    by_language = {alternate.language: alternate for alternate in article.alternates}
    current = [alternate for alternate in article.alternates if alternate.current]
    expect(
        len(by_language) == len(article.alternates)
        and [(a.language, a.url) for a in current] == [(article.language, article.url)],
        f"{article.path}: alternates repeat a language or do not flag the article's own: "
        f"{[a.to_dict() for a in article.alternates]}",
    )
    return {lang: a for lang, a in by_language.items() if not a.current}


def check_listing_and_alternates(public: Client) -> None:
    page = parsed(
        list_articles.sync_detailed("ua", client=public, limit=20),
        ArticlePage,
        200,
        "listArticles ua",
    )
    expect(bool(page.items), "listArticles ua: no articles (is the demo newsroom loaded?)")
    expect(
        all(card.language == "ua" for card in page.items),
        f"listArticles ua: other languages in the list: {[c.language for c in page.items]}",
    )
    times = [card.published_at for card in page.items]
    expect(times == sorted(times, reverse=True), "listArticles ua: not newest first")
    print(f"listArticles ua: {len(page.items)} articles, first {page.items[0].slug!r}")

    for card in page.items:
        article = read_article(public, "ua", card.slug)
        expect(article.id == card.id, f"{card.path}: the article is not the listed one")
        alternates = alternates_of(article)
        if set(alternates) != OTHER_LANGUAGES:
            continue
        for lang, alternate in alternates.items():
            other = read_article(public, lang, alternate.slug)
            expect(other.id == article.id, f"{alternate.path}: another article")
            expect(
                set(alternates_of(other)) == {"ua", *OTHER_LANGUAGES} - {lang},
                f"{alternate.path}: its alternates are not the other two languages",
            )
        print(f"getArticle ua/{article.slug}: alternates en and ru resolve to the same article")
        return
    raise ScenarioFailed("listArticles ua: no article with public en and ru versions")


def create_and_publish(admin: AuthenticatedClient, public: Client) -> None:
    marker = uuid.uuid4().hex[:8]
    original = TranslationIn(
        title=f"Київ відкриває міст метро {marker}",
        lead="Рух поїздів відновлено.",
        body_html="<p>Рух поїздів мостом відновлено після ремонту.</p>",
    )
    translations = ArticleCreateTranslations()
    translations["ua"] = original  # a typed map: language code -> TranslationIn
    created = parsed(
        create_article.sync_detailed(
            client=admin,
            body=ArticleCreate(original_language="ua", translations=translations),
        ),
        ArticleRead,
        201,
        "createArticle",
    )
    expect(created.translations["ua"].status == Status.DRAFT, "a new article is not a draft")
    english = parsed(
        put_translation.sync_detailed(
            created.id,
            "en",
            client=admin,
            body=TranslationIn(
                title=f"Kyiv reopens the metro bridge {marker}",
                lead="Trains run again.",
                body_html="<p>Trains cross the bridge again after repairs.</p>",
            ),
        ),
        TranslationRead,
        201,
        "putTranslation en",
    )
    ua_slug = created.translations["ua"].slug
    draft = get_article.sync_detailed("ua", ua_slug, client=public)
    expect(draft.status_code == 404, f"a draft is public: {draft.status_code}")

    bodies: tuple[tuple[str, PublishIn | Unset], ...] = (("ua", PublishIn()), ("en", UNSET))
    for lang, body in bodies:  # the body may be left out (publish now)
        published = parsed(
            publish_translation.sync_detailed(created.id, lang, client=admin, body=body),
            TranslationRead,
            200,
            f"publishTranslation {lang}",
        )
        expect(
            published.status == Status.PUBLISHED and published.public,
            f"publishTranslation {lang}: {published.status}, public={published.public}",
        )
    print(f"createArticle {created.id}: ua and en published")

    ua = read_article(public, "ua", ua_slug)
    expect(ua.id == created.id and ua.title == original.title, f"{ua.path}: not the new article")
    expect(
        [(a.language, a.bcp47, a.slug) for a in ua.alternates]
        == [("ua", "uk", ua_slug), ("en", "en", english.slug)],
        f"{ua.path}: alternates {[a.to_dict() for a in ua.alternates]}",
    )
    en = read_article(public, "en", english.slug)
    expect(
        [(a.language, a.bcp47, a.slug, a.current) for a in en.alternates]
        == [("ua", "uk", ua_slug, False), ("en", "en", english.slug, True)],
        f"{en.path}: alternates {[a.to_dict() for a in en.alternates]}",
    )
    latest = parsed(
        list_articles.sync_detailed("en", client=public, limit=1), ArticlePage, 200, "list en"
    )
    expect(
        [card.id for card in latest.items] == [created.id],
        "listArticles en: the new article is not the newest",
    )
    print(f"getArticle ua/{ua_slug} and en/{english.slug}: public, alternates of each other")


def upload_image(admin: AuthenticatedClient) -> None:
    """createMedia with a file: the multipart body the generated client sends."""
    picture = Image.new("RGB", (800, 500), (40, 90, 160))
    ImageDraw.Draw(picture).ellipse((200, 100, 500, 400), fill=(230, 180, 40))
    data = io.BytesIO()
    picture.save(data, "JPEG")
    data.seek(0)
    media = parsed(
        create_media.sync_detailed(
            client=admin,
            body=MediaUpload(
                file=File(payload=data, file_name="sun.jpg", mime_type="image/jpeg"),
                credit="Newsdesk",
                translations=json.dumps({"en": {"caption": "The sun", "alt": "A yellow disc"}}),
                focal_point="0.4,0.5",
            ),
        ),
        MediaRead,
        201,
        "createMedia (multipart)",
    )
    expect(media.source == "upload", f"createMedia: source {media.source!r}")
    expect((media.width, media.height) == (800, 500), f"createMedia: {media.width}x{media.height}")
    crops = {r.crop for r in media.renditions}
    expect(bool(media.renditions), "createMedia: no renditions")
    named = {c.value for c in crops if c is not None}
    expect(named == {"16:9", "4:3", "1:1"} and None in crops, f"createMedia: crops {crops}")
    print(f"createMedia {media.id}: uploaded, {len(media.renditions)} renditions")


def check_problem(public: Client) -> None:
    response = get_article.sync_detailed("ua", "no-such-article-anywhere", client=public)
    problem = parsed(response, Problem, 404, "getArticle of a missing slug")
    expect(
        response.headers.get("content-type") == "application/problem+json",
        f"404 content type: {response.headers.get('content-type')}",
    )
    expect(
        (problem.status, problem.type_, problem.title) == (404, "/problems/not-found", "Not found"),
        f"404 problem: {problem.to_dict()}",
    )
    expect(bool(problem.detail), "404 problem without a detail")
    print(f"getArticle of a missing slug: Problem {problem.status} {problem.type_}")


def main(base_url: str, admin_key: str) -> None:
    # Undocumented status codes raise: the contract must name every answer the server gives.
    with (
        Client(base_url=base_url, raise_on_unexpected_status=True) as public,
        AuthenticatedClient(
            base_url=base_url, token=admin_key, raise_on_unexpected_status=True
        ) as admin,
    ):
        check_listing_and_alternates(public)
        create_and_publish(admin, public)
        upload_image(admin)
        check_problem(public)
    print("python scenario: ok")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} BASE_URL ADMIN_KEY")
    try:
        main(sys.argv[1], sys.argv[2])
    except ScenarioFailed as failure:
        sys.exit(f"python scenario failed: {failure}")
