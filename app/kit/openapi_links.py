"""OpenAPI `links`: how a response's values feed the next call (an article's id, its original
language, the ETag for If-Match). SDK generators and stateful testers follow them; nothing
changes at run time.
"""

from typing import Any

ARTICLE = {"article_id": "$response.body#/id"}
ORIGINAL = {**ARTICLE, "lang": "$response.body#/original_language"}
SAME_ARTICLE = {"article_id": "$request.path.article_id"}
SAME_TRANSLATION = {**SAME_ARTICLE, "lang": "$request.path.lang"}
WITH_ETAG = {"if-match": "$response.header.ETag"}

# (source operationId, status) -> {target operationId: parameters}
LINKS: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    ("createArticle", "201"): {
        "getAdminArticle": ARTICLE,
        "updateArticle": {**ARTICLE, **WITH_ETAG},
        "deleteArticle": {**ARTICLE, **WITH_ETAG},
        "listRevisions": ARTICLE,
        "getTranslation": ORIGINAL,
        "putTranslation": ARTICLE,
        "publishTranslation": ORIGINAL,
        "submitTranslation": ORIGINAL,
        "createPreview": ORIGINAL,
        "negotiateArticle": ARTICLE,
    },
    ("getAdminArticle", "200"): {
        "updateArticle": {**ARTICLE, **WITH_ETAG},
        "deleteArticle": {**ARTICLE, **WITH_ETAG},
        "putTranslation": ARTICLE,
    },
    ("updateArticle", "200"): {
        "getAdminArticle": ARTICLE,
        "deleteArticle": {**ARTICLE, **WITH_ETAG},
    },
    **{
        (source, status): {
            "getTranslation": SAME_TRANSLATION,
            "putTranslation": {**SAME_TRANSLATION, **WITH_ETAG},
            "deleteTranslation": {**SAME_TRANSLATION, **WITH_ETAG},
            "publishTranslation": SAME_TRANSLATION,
            "unpublishTranslation": SAME_TRANSLATION,
            "archiveTranslation": SAME_TRANSLATION,
            "submitTranslation": SAME_TRANSLATION,
            "createPreview": SAME_TRANSLATION,
            "listRevisions": SAME_ARTICLE,
        }
        for source, status in (("putTranslation", "200"), ("putTranslation", "201"))
    },
    ("publishTranslation", "200"): {
        "getArticle": {"lang": "$request.path.lang", "slug": "$response.body#/slug"},
        "unpublishTranslation": SAME_TRANSLATION,
        "archiveTranslation": SAME_TRANSLATION,
        "negotiateArticle": SAME_ARTICLE,
    },
    ("unpublishTranslation", "200"): {"publishTranslation": SAME_TRANSLATION},
    ("archiveTranslation", "200"): {
        "getArticle": {"lang": "$request.path.lang", "slug": "$response.body#/slug"},
    },
    ("createPreview", "201"): {
        "getPreview": {"lang": "$request.path.lang", "token": "$response.body#/token"},
    },
    ("listRevisions", "200"): {
        "getRevision": {**SAME_ARTICLE, "number": "$response.body#/items/0/number"},
        "restoreRevision": {**SAME_ARTICLE, "number": "$response.body#/items/0/number"},
    },
    ("createLanguage", "201"): {
        "updateLanguage": {"code": "$response.body#/code"},
        "deleteLanguage": {"code": "$response.body#/code"},
    },
}


# (source operationId, status) -> {target operationId: request body}: what was just created,
# written with; the rest of the body is the caller's.
BODY_LINKS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("createAuthor", "201"): {"createArticle": {"author_ids": ["$response.body#/id"]}},
    ("createTag", "201"): {"createArticle": {"tag_ids": ["$response.body#/id"]}},
    ("createCategory", "201"): {"createArticle": {"category_id": "$response.body#/id"}},
    ("createMedia", "201"): {"createArticle": {"cover_media_id": "$response.body#/id"}},
}


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """Add LINKS to the responses of an OpenAPI document (in place; running twice is harmless)."""
    operations = {
        operation["operationId"]: operation
        for item in document.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for (source, status), targets in LINKS.items():
        response = operations[source]["responses"][status]
        links = response.setdefault("links", {})
        for target, parameters in targets.items():
            assert target in operations, target
            links[target] = {"operationId": target, "parameters": dict(parameters)}
    for (source, status), bodies in BODY_LINKS.items():
        links = operations[source]["responses"][status].setdefault("links", {})
        for target, body in bodies.items():
            assert target in operations, target
            links[target] = {"operationId": target, "requestBody": body}
    return document
