"""How a line is written: compact JSON, UTF-8 (not `\\u` escapes), one line each."""

import json
from typing import Any


def dump(line: dict[str, Any]) -> bytes:
    """One line of the file, its newline included. Line separators inside text (U+2028,
    U+2029) are escaped as JSON allows, so no tool splits a line at them."""
    text = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n").encode()
