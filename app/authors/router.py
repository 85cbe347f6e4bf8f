"""Authors: admin CRUD and public author pages, on the taxonomy machinery (with a bio)."""

from fastapi import APIRouter

from app.taxonomy.router import admin_routes, public_routes
from app.taxonomy.schemas import (
    AuthorCreate,
    AuthorList,
    AuthorRead,
    AuthorUpdate,
    LocalizedAuthor,
    LocalizedAuthorList,
)
from app.taxonomy.service import AUTHORS

router = APIRouter()
router.include_router(
    admin_routes(
        AUTHORS,
        path="authors",
        singular="Author",
        plural="Authors",
        create_schema=AuthorCreate,
        update_schema=AuthorUpdate,
        read_schema=AuthorRead,
        list_schema=AuthorList,
    )
)
router.include_router(
    public_routes(
        AUTHORS,
        path="authors",
        singular="Author",
        plural="Authors",
        item_schema=LocalizedAuthor,
        list_schema=LocalizedAuthorList,
    )
)
