"""Who may do what to an article — checked on the object, on every path.

admin: everything.  editor: everything but purging an article for good.  author: creates
articles; reads, edits and submits the ones they created; never publishes; others'
articles do not exist for them (404, in lists too).  translator: reads articles; writes
and submits translations in their languages only; never publishes, never changes article
metadata.

Live content belongs to the roles that may publish: an author's or translator's PUT or
PATCH of a version that is published or scheduled is kept as its pending copy (202, see
`app.articles.pending`) until an editor publishes it; they cannot delete or restore such a
version, nor change the metadata of an article that has one (403) — otherwise their change
would reach readers unreviewed. Editors and admins change a live version at once. A version
whose scheduled takedown has passed is no longer live.

Correction and update notes speak for the newsroom to readers at once: editors and admins
only (a translator's or author's note would reach readers unreviewed).
"""

from sqlalchemy import ColumnElement, true

from app.articles.visibility import live_now
from app.auth.service import Principal, Role
from app.errors import Forbidden, NotFound
from app.models import Article, Translation, utcnow

STAFF = (Role.admin, Role.editor)


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The admin list's filter: authors see only their own articles."""
    if principal.role is Role.author:
        return Article.created_by == principal.owner
    return true()


def check_read(principal: Principal, article: Article) -> None:
    if principal.role is Role.author and article.created_by != principal.owner:
        raise NotFound(f"No article {article.id}.")


def check_create(principal: Principal) -> None:
    if principal.role is Role.translator:
        raise Forbidden("Translators cannot create articles.")


def check_metadata(principal: Principal, article: Article) -> None:
    """Article fields, deletion and metadata restores."""
    if principal.role in STAFF:
        return
    if principal.role is Role.author and article.created_by == principal.owner:
        return
    raise Forbidden("Only editors (or the article's author) can change the article itself.")


def check_delete(principal: Principal) -> None:
    if principal.role not in STAFF:
        raise Forbidden("Only editors can delete articles.")


def check_purge(principal: Principal) -> None:
    """Removing an article for good (revisions and all) is for administrators."""
    if principal.role is not Role.admin:
        raise Forbidden("Only administrators can purge an article for good.")


def check_translation(principal: Principal, article: Article, language: str) -> None:
    """Writing one language version: its text, its deletion, submitting it."""
    if principal.role in STAFF:
        return
    if principal.role is Role.author and article.created_by == principal.owner:
        return
    if principal.role is Role.translator and language in principal.languages:
        return
    raise Forbidden(f"You may not edit the '{language}' version of this article.")


def may_publish(principal: Principal) -> bool:
    return principal.role in STAFF


def must_stage(principal: Principal, translation: Translation) -> bool:
    """A save of this version by this caller goes to its pending copy, not to readers."""
    return not may_publish(principal) and live_now(translation, utcnow())


def check_live_translation(principal: Principal, translation: Translation) -> None:
    """Writing over a published or scheduled version needs the right to publish."""
    if not may_publish(principal) and live_now(translation, utcnow()):
        raise Forbidden(
            f"The '{translation.language}' version is {translation.status}: only editors "
            "can delete or restore a live version (save changes as its pending copy)."
        )


def check_live_article(principal: Principal, article: Article) -> None:
    """Article metadata shows on every public version: changing it while one is live (or
    scheduled) needs the right to publish."""
    now = utcnow()
    if not may_publish(principal) and any(live_now(t, now) for t in article.translations):
        raise Forbidden(
            "The article has a published or scheduled version: only editors can change "
            "its metadata."
        )


def check_corrections(principal: Principal) -> None:
    if principal.role not in STAFF:
        raise Forbidden("Only editors can append correction or update notes.")


def check_publishing(principal: Principal) -> None:
    if principal.role not in STAFF:
        raise Forbidden("Only editors can publish, unpublish or archive.")
