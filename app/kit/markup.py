"""HTML as a flat list of tokens with their places in the source (stdlib `html.parser`).

What the sanitizer's passes read: which tags and attributes a body has, where an element
starts and ends (so a piece of it can be replaced in place, leaving every other character
as written), and the text in between. Not a tree builder: nothing is fixed up or closed.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

Kind = Literal["start", "end", "data", "comment"]
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip


@dataclass(frozen=True)
class Token:
    kind: Kind
    start: int  # offsets in the source: source[start:end] is the token
    end: int
    tag: str = ""  # lower case
    attrs: tuple[tuple[str, str | None], ...] = field(default=())
    text: str = ""  # data, character references resolved

    def attr(self, name: str) -> str | None:
        """The first value of the attribute `name` (as browsers read it), or None."""
        return next((value or "" for key, value in self.attrs if key == name), None)

    @property
    def classes(self) -> set[str]:
        return set((self.attr("class") or "").split())


class _Tokenizer(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.tokens: list[Token] = []
        self._lines = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self._lines.append(i + 1)

    def _at(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._at()
        text = self.get_starttag_text() or ""
        self.tokens.append(Token("start", start, start + len(text), tag, tuple(attrs)))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        start = self._at()
        end = self.source.find(">", start)
        self.tokens.append(Token("end", start, len(self.source) if end < 0 else end + 1, tag))

    def handle_data(self, data: str) -> None:
        start = self._at()
        self.tokens.append(Token("data", start, start, text=data))

    def _other(self) -> None:
        start = self._at()
        self.tokens.append(Token("comment", start, start))

    def handle_comment(self, data: str) -> None:
        self._other()

    def handle_decl(self, decl: str) -> None:
        self._other()

    def handle_pi(self, data: str) -> None:
        self._other()

    def unknown_decl(self, data: str) -> None:
        self._other()


def tokenize(source: str) -> list[Token]:
    parser = _Tokenizer(source)
    parser.feed(source)
    parser.close()
    return parser.tokens


def matching_ends(tokens: Sequence[Token]) -> dict[int, int]:
    """For each start tag closed by a later end tag of its name (nested elements of the same
    name counted), the index of that end tag; a void element closes itself. One pass."""
    ends: dict[int, int] = {}
    open_: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        if token.kind == "start":
            if token.tag in VOID:
                ends[i] = i
            else:
                open_.setdefault(token.tag, []).append(i)
        elif token.kind == "end" and open_.get(token.tag):
            ends[open_[token.tag].pop()] = i
    return ends
