"""The roles a credential may have (a module of its own: the CLI imports it at start)."""

import enum


class Role(enum.StrEnum):
    admin = "admin"
    editor = "editor"
    author = "author"
    translator = "translator"
