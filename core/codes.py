"""Public codes printed on posters and typed by people.

The alphabet leaves out characters that are easily misread (0/O, 1/I/L), so a
code copied by hand from a poster still works. Codes are stored upper-case and
looked up case-insensitively.
"""

import hashlib
import secrets

from django.urls import register_converter

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PUBLIC_CODE_LENGTH = 8


def new_code(length: int = PUBLIC_CODE_LENGTH) -> str:
    # One draw from the operating system for the whole code, each character an independent,
    # uniform pick from the alphabet (the same distribution as one secrets.choice per character).
    number = secrets.randbelow(len(ALPHABET) ** length)
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def stable_code(key: str, length: int = PUBLIC_CODE_LENGTH) -> str:
    """A code derived from ``key``: the demo data gets the same codes on every run."""
    number = int.from_bytes(hashlib.sha256(key.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def normalize(code: str) -> str:
    return code.strip().upper()


def is_well_formed(code: str, length: int = PUBLIC_CODE_LENGTH) -> bool:
    code = normalize(code)
    return len(code) == length and all(c in ALPHABET for c in code)


class PublicCodeConverter:
    """URL part for a public code; anything else never reaches a view (a 404)."""

    regex = "[A-Za-z0-9]{4,16}"

    def to_python(self, value: str) -> str:
        return normalize(value)

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicCodeConverter, "code")


TRACKING_CODE_LENGTH = 12


def new_tracking_code() -> str:
    """A citizen's tracking code: 12 characters of a 31-letter alphabet (~59 bits), unguessable."""
    return new_code(TRACKING_CODE_LENGTH)
