"""Entity tags for versioned resources, and the If-Match rule for writes."""

from app.errors import PreconditionFailed, PreconditionRequired

MAX_IF_NONE_MATCH = 2000  # characters of an If-None-Match header; the contract says so


def version_etag(kind: str, ident: object, version: int) -> str:
    return f'"{kind}-{ident}-v{version}"'


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def check_if_match(if_match: str | None, current: str, version: int, *, required: bool) -> None:
    """412 when If-Match names another version; 428 when it is missing but required."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "This write needs an If-Match header with the resource's current ETag.",
                current_version=version,
            )
        return
    # RFC 9110 §13.1.1: If-Match compares strongly, so a weak tag (W/"...") never matches.
    tags = _tags(if_match)
    if "*" in tags or current in tags:
        return
    why = "The resource has changed"
    if any(t.startswith("W/") for t in tags):
        why = "If-Match needs the strong ETag (a weak W/ tag never matches)"
    raise PreconditionFailed(
        f"{why}: its current version is {version} (ETag {current}).",
        current_version=version,
        headers={"ETag": current},
    )
