"""Text as people typed it, without the characters that make it lie about itself.

Unicode's bidirectional controls reorder what follows them when shown: a name
typed as ``张三\u202e13800001111`` reads on a staff page, in an export or in a
notification as if the digits ran backwards, and a file name can hide its real
extension the same way (``photo\u202egpj.exe``). The portal serves Chinese and
English, where these characters have no honest use, so every way text comes
in removes them with :func:`strip_bidi`: form values in
:class:`core.middleware.InputTextMiddleware`, register cells in the
importer, and spreadsheet cells on the way out.
"""

from __future__ import annotations

import re

# U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, U+200E/U+200F the
# left-to-right and right-to-left marks, U+061C the Arabic letter mark.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")


def has_bidi(text: str) -> bool:
    return BIDI_RE.search(text) is not None


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional control characters; anything that is not a string comes back as it is."""
    if not isinstance(text, str):
        return text
    return BIDI_RE.sub("", text)
