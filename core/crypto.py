"""Citizens' personal data at rest: AES-256-GCM for names and phone numbers, HMAC-SHA256 for look-ups.

Two secrets, both read from the environment (``liaison.settings.base``):

- ``PERSONAL_DATA_KEYS``: comma-separated encryption keys, newest first, each
  32 random bytes in URL-safe base64 (``python -c "import base64, os;
  print(base64.urlsafe_b64encode(os.urandom(32)).decode())"``). Values are
  written with the newest key and read with whichever key wrote them, so a new
  key goes in front and the old one stays until ``manage.py
  rotate_personal_data_key`` has re-encrypted every row.
- ``PERSONAL_DATA_HASH_KEY``: the key of the keyed hash stored beside a phone
  number, so that rows can be found by number (the per-number rate limit, the
  staff list's search) without decrypting anything. A hash without the key
  cannot be tried against the billion-odd possible mobile numbers.

A stored value reads ``pd1:<key id>:<nonce + ciphertext + tag, base64>``; the
key id is a fingerprint of the key, so a value names the key that opens it and
rotation can find the rows still under an old key by their prefix. The
associated data is the column (``suggestions.suggestion.submitter_phone``): a
value copied into another column does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from core.sms import normalize_phone

VERSION = "pd1"
NONCE_BYTES = 12


class PersonalDataError(Exception):
    """A stored value cannot be opened: its key is not configured, or it was altered."""


def parse_key(text: str) -> bytes:
    """One key from the environment: 32 bytes in URL-safe base64 (padding optional)."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "Each PERSONAL_DATA_KEYS entry must be 32 random bytes in URL-safe base64 (44 characters)."
        )
    return key


def key_id(key: bytes) -> str:
    """A short public fingerprint of a key: it names the key in every value the key wrote."""
    return hashlib.sha256(b"liaison.personal-data.key-id" + key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    prefix: str  # what every value written now starts with: "pd1:<newest key id>:"
    newest: AESGCM
    by_id: dict[str, AESGCM]
    hash_key: bytes
    # HMAC's two hashes with the key's pads already absorbed (RFC 2104): each look-up copies them.
    hash_inner: object
    hash_outer: object

    @classmethod
    def from_settings(cls) -> Keyring:
        texts = [text for text in settings.PERSONAL_DATA_KEYS if text.strip()]
        if not texts:
            raise ImproperlyConfigured("PERSONAL_DATA_KEYS is empty: give at least one key.")
        keys = [parse_key(text) for text in texts]
        by_id = {}
        for key in keys:
            by_id.setdefault(key_id(key), AESGCM(key))
        hash_key = settings.PERSONAL_DATA_HASH_KEY
        if not hash_key:
            raise ImproperlyConfigured("PERSONAL_DATA_HASH_KEY is empty.")
        # Derived once, so that one HMAC per value is all a submission pays.
        derived = hashlib.sha256(b"liaison.personal-data.hash" + hash_key.encode()).digest()
        block = derived.ljust(hashlib.sha256().block_size, b"\0")
        return cls(
            prefix=f"{VERSION}:{key_id(keys[0])}:",
            newest=by_id[key_id(keys[0])],
            by_id=by_id,
            hash_key=derived,
            hash_inner=hashlib.sha256(bytes(byte ^ 0x36 for byte in block)),
            hash_outer=hashlib.sha256(bytes(byte ^ 0x5C for byte in block)),
        )


_keyring: Keyring | None = None


def keyring() -> Keyring:
    """The configured keys, parsed once per process (and again when a test changes the settings)."""
    global _keyring
    if _keyring is None:
        _keyring = Keyring.from_settings()
    return _keyring


def _forget_keys(*, setting, **kwargs):
    global _keyring
    if setting in ("PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY"):
        _keyring = None


setting_changed.connect(_forget_keys)


def is_ciphertext(value: str) -> bool:
    return value.startswith(VERSION + ":")


def encrypt(plaintext: str, context: bytes) -> str:
    """``plaintext`` sealed with the newest key; ``context`` (the column) must be given again to open it."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.newest.encrypt(nonce, plaintext.encode(), context)
    return ring.prefix + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def decrypt(value: str, context: bytes) -> str:
    """The plaintext of a stored value. A value without the prefix is returned as it is.

    Rows written before encryption was introduced read as they are until the
    migration (or ``rotate_personal_data_key``) has sealed them. Raises
    :class:`PersonalDataError` when the value's key is not configured or the
    value was altered.
    """
    if not is_ciphertext(value):
        return value
    try:
        _version, kid, body = value.split(":", 2)
    except ValueError:
        raise PersonalDataError("malformed encrypted value") from None
    aead = keyring().by_id.get(kid)
    if aead is None:
        raise PersonalDataError(
            f"Personal data written with key {kid}, which is not in PERSONAL_DATA_KEYS. "
            "Add that key back (after the newest) and run manage.py rotate_personal_data_key."
        )
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode()
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        raise PersonalDataError(f"an encrypted value under key {kid} does not open: altered or misplaced") from None


def current_prefix() -> str:
    """What values written with the newest key start with: rows without it are due for rotation."""
    return keyring().prefix


def digest(value: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) of ``value``: equal values, equal hashes, and nothing to reverse."""
    # HMAC-SHA256 (equal to hmac.digest(hash_key, value, "sha256"), as a test checks) from the two hashes
    # prepared with the keyring: half the instructions of hmac.digest, which sets the key up on every call.
    ring = keyring()
    inner = ring.hash_inner.copy()
    inner.update(value.encode())
    outer = ring.hash_outer.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


def phone_digest(phone: str) -> str:
    """The keyed hash of a mobile number as typed (spaces, dashes and +86 do not matter); "" for none."""
    if not phone:
        return ""  # an anonymous submission: nothing to normalise
    phone = normalize_phone(phone)
    return digest(phone) if phone else ""
