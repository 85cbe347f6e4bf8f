"""RevisionDep: the `{number}` of an article's revision path, loaded, or a 404."""

from typing import Annotated

from fastapi import Depends, Path

from app.articles.deps import ArticleDep
from app.db import SessionDep
from app.errors import NotFound
from app.models import Revision
from app.revisions import service

RevisionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The revision number.")]


async def load_revision(
    article: ArticleDep, number: RevisionNumber, session: SessionDep
) -> Revision:
    revision = await service.get(session, article.id, number)
    if revision is None:
        raise NotFound(f"Article {article.id} has no revision {number}.")
    return revision


RevisionDep = Annotated[Revision, Depends(load_revision)]
