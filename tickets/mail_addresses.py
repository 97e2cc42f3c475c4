"""The reply address that names a ticket: plus addressing on MAIL_REPLY_ADDRESS, signed.

`support@desk.example` gives `support+SD-1042.k3v9q2mx7dta@desk.example` for SD-1042: the part after
the dot is an HMAC of the reference under SECRET_KEY (60 bits, base32, lower case since mail systems
may fold the case of local parts). Nobody can write the address of a ticket whose mail they did not
receive, so a reply to it may be threaded whoever sends it (docs/decisions.md, "Email in and out").
No database, no clock.
"""

import base64
import hmac
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.utils.crypto import salted_hmac

from .models import REFERENCE_PREFIX

SIGNATURE_LENGTH = 12  # base32 characters: 60 bits
_SALT = "support_desk.mail-reply-address"


def reply_signature(reference: str) -> str:
    digest = salted_hmac(_SALT, reference.upper(), algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii").lower()[:SIGNATURE_LENGTH]


def _base() -> tuple[str, str] | None:
    address = parseaddr(settings.MAIL_REPLY_ADDRESS)[1]
    if "@" not in address:
        return None
    local, _, domain = address.rpartition("@")
    return local, domain


def reply_address(reference: str) -> str:
    """The ticket's reply address, or "" when MAIL_REPLY_ADDRESS is not set."""
    base = _base()
    if base is None:
        return ""
    local, domain = base
    return f"{local}+{reference}.{reply_signature(reference)}@{domain}"


def reference_from_reply_address(address: str) -> str | None:
    """The reference a correctly signed reply address names ("SD-1042"), else None."""
    base = _base()
    address = parseaddr(address)[1]
    if base is None or "@" not in address:
        return None
    local, _, domain = address.rpartition("@")
    our_local, our_domain = base
    if domain.lower() != our_domain.lower() or not local.lower().startswith(our_local.lower() + "+"):
        return None
    reference, dot, signature = local[len(our_local) + 1 :].rpartition(".")
    reference = reference.upper()
    number = reference.removeprefix(REFERENCE_PREFIX)
    if not dot or number == reference or not number.isdigit():
        return None
    if not hmac.compare_digest(signature.lower(), reply_signature(reference)):
        return None
    return reference


def reference_in_addresses(values: list[str]) -> str | None:
    """The first signed reply address among header values (To, Cc, Delivered-To ...)."""
    for _, address in getaddresses(values):
        reference = reference_from_reply_address(address)
        if reference is not None:
            return reference
    return None


def own_addresses() -> set[str]:
    """Our own addresses, lower-cased: mail from them is never processed (a loop)."""
    addresses = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1], *settings.MAIL_OWN_ADDRESSES}
    base = _base()
    if base is not None:
        addresses.add(f"{base[0]}@{base[1]}")
    return {address.strip().lower() for address in addresses if "@" in address}


def is_own_address(address: str) -> bool:
    """Whether `address` is ours, plus-addressed variants of the reply address included."""
    address = address.strip().lower()
    if address in own_addresses():
        return True
    base = _base()
    if base is None:
        return False
    local, _, domain = address.rpartition("@")
    return domain == base[1].lower() and local.startswith(base[0].lower() + "+")
