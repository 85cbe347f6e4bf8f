"""The one module that wires every domain router."""

from fastapi import APIRouter, Depends

from app.apikeys.router import router as api_keys_router
from app.articles.router import router as articles_router
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.authors.router import router as authors_router
from app.changes.router import router as changes_router
from app.feeds.router import router as feeds_router
from app.kit.query import forbid_unknown_query
from app.languages.router import router as languages_router
from app.media.router import router as media_router
from app.ops.router import router as ops_router
from app.pending.router import router as pending_router
from app.previews.router import router as previews_router
from app.problems.router import router as problems_router
from app.public.router import router as public_router
from app.revisions.router import router as revisions_router
from app.taxonomy.router import router as taxonomy_router
from app.transfer.router import router as transfer_router
from app.users.router import router as users_router
from app.webhooks.router import router as webhooks_router

# Every app of the process serves these routers (`app.main.create_app` shares them): FastAPI
# builds an included router's routes (each parameter's and response's pydantic field) the
# first time it matches a request, ~0.3 s for ours, and an app including them again would
# build them again. What an app would add to them is set here instead: an unknown query
# parameter is a 422 on every route (the app's own routes, /docs and /redoc, have it too).
router = APIRouter(dependencies=[Depends(forbid_unknown_query)])
# Admin paths first: `/v1/admin/...` must not be taken for a language called "admin".
# Within taxonomy and authors, admin routes are registered before public ones.
for domain in (
    ops_router,
    problems_router,
    changes_router,
    languages_router,
    articles_router,
    pending_router,
    revisions_router,
    previews_router,
    media_router,
    api_keys_router,
    users_router,
    audit_router,
    webhooks_router,
    transfer_router,
    auth_router,
    taxonomy_router,
    authors_router,
    public_router,
    feeds_router,
):
    router.include_router(domain)
