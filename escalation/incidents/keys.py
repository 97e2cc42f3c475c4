"""Integration keys (pure): random, shown once, kept as a SHA-256 and an 8-character display prefix."""

import hashlib
import re
import secrets

KEY_BYTES = 32
# token_urlsafe(32): 43 characters of the URL-safe alphabet. Anything else was never issued.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
PREFIX_LENGTH = 8


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str:
    return key[:PREFIX_LENGTH]


def well_formed(key) -> bool:
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None
