"""A customer's contacts: the people the desk tells of incidents, in their language and local time.

An address is stored lower-cased (like requesters', so the two compare exactly) and is a customer's
contact once at most. The database decides that (`customer_contact_once`): a duplicate, also one saved
by a concurrent request between our read and our write, is refused as an error on `email`.
"""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from ..models import ContactLanguage, Customer, CustomerContact
from .requesters import normalize_email

_ONCE = "customer_contact_once"
_LOWERCASE = "customer_contact_email_lowercase"
_NAME_MAX_LENGTH = CustomerContact._meta.get_field("name").max_length
_EMAIL_MAX_LENGTH = CustomerContact._meta.get_field("email").max_length


def _contact_email(email: str) -> str:
    email = normalize_email(email)
    if len(email) > _EMAIL_MAX_LENGTH:
        raise ValidationError({"email": [f"An address has at most {_EMAIL_MAX_LENGTH} characters."]})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": ["Enter a valid email address."]}) from None
    return email


def _contact_name(name: str) -> str:
    name = name.strip()
    if len(name) > _NAME_MAX_LENGTH:
        raise ValidationError({"name": [f"A name has at most {_NAME_MAX_LENGTH} characters."]})
    return name


def _contact_language(language: str) -> str:
    if language not in ContactLanguage.values:
        choices = ", ".join(ContactLanguage.values)
        raise ValidationError({"language": [f"{language!r} is not one of the desk's languages ({choices})."]})
    return language


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())  # a walk of the zone files: once per process


def _contact_timezone(timezone: ZoneInfo | str) -> ZoneInfo:
    if isinstance(timezone, ZoneInfo):
        return timezone
    if not isinstance(timezone, str) or timezone not in _zone_names():
        raise ValidationError(
            {"timezone": [f"Unknown timezone {timezone!r}; use an IANA name such as Europe/Berlin."]}
        )
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"timezone": [f"Unknown timezone {timezone!r}."]}) from None


def _save_once(contact: CustomerContact, customer: Customer) -> None:
    """Save `contact` in a savepoint; a duplicate address of the customer is an error on `email`."""
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as refused:
        constraint = getattr(getattr(refused.__cause__, "diag", None), "constraint_name", None)
        if constraint == _ONCE:
            raise ValidationError(
                {"email": [f"{customer.name} already has a contact {contact.email}."]}
            ) from refused
        if constraint == _LOWERCASE:  # the database lower-cases a character Python left alone
            raise ValidationError({"email": ["Write the address in lower case."]}) from refused
        raise


@transaction.atomic
def customer_contact_create(
    *,
    customer: Customer,
    email: str,
    name: str = "",
    language: str = ContactLanguage.ENGLISH,
    timezone: ZoneInfo | str = "UTC",
    notify_incidents: bool = True,
) -> CustomerContact:
    """A contact of `customer`; its address lower-cased. A second contact with the same address (in any
    case) is refused with an error on `email`."""
    contact = CustomerContact(
        customer=customer,
        email=_contact_email(email),
        name=_contact_name(name),
        language=_contact_language(language),
        timezone=_contact_timezone(timezone),
        notify_incidents=notify_incidents,
    )
    _save_once(contact, customer)
    return contact


@transaction.atomic
def customer_contact_update(
    *,
    contact: CustomerContact,
    email: str | None = None,
    name: str | None = None,
    language: str | None = None,
    timezone: ZoneInfo | str | None = None,
    notify_incidents: bool | None = None,
) -> CustomerContact:
    """Change what is given (None keeps a value). An address another contact of the customer has is
    refused with an error on `email`."""
    contact = CustomerContact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    if email is not None:
        contact.email = _contact_email(email)
    if name is not None:
        contact.name = _contact_name(name)
    if language is not None:
        contact.language = _contact_language(language)
    if timezone is not None:
        contact.timezone = _contact_timezone(timezone)
    if notify_incidents is not None:
        contact.notify_incidents = notify_incidents
    _save_once(contact, contact.customer)
    return contact


def customer_contact_delete(*, contact: CustomerContact) -> None:
    """Remove the contact: the desk no longer writes to them (emails already recorded keep their address)."""
    CustomerContact.objects.filter(pk=contact.pk).delete()
