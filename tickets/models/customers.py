"""Customers, their plans, email domains and credit rules, and the requesters who file tickets."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField


class Plan(models.TextChoices):
    STANDARD = "standard", _("Standard")
    PREMIUM = "premium", _("Premium")


STATEMENT_TOKEN_BYTES = 32


def new_statement_token() -> str:
    """The key of a customer's statement link (`/statements/<token>/`): unguessable, as a ticket's."""
    return secrets.token_urlsafe(STATEMENT_TOKEN_BYTES)


class Customer(models.Model):
    name = models.CharField(max_length=200, unique=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.STANDARD)
    timezone = TimeZoneField(default="UTC", use_pytz=False)
    # What the customer pays a month: service credits for broken promises are a share of it.
    # Database defaults too: rows written outside the ORM (bulk loads, the benchmarks) get them.
    monthly_fee = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        db_default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        max_length=3,
        default="USD",
        db_default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as USD, EUR or JPY.")],
        help_text="ISO 4217 code of the monthly fee, e.g. USD.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The customer has no account: this key in the link opens their monthly SLA statements. Managers
    # rotate it (the old link stops working at once).
    statement_token = models.CharField(
        max_length=64, unique=True, default=new_statement_token, editable=False
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="customer_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class CreditRule(models.Model):
    """The service credits a customer on `plan` is owed for a calendar month (UTC) of broken promises.

    Breaches: a percentage of the monthly fee per breached first response of a major ticket, another per
    other breached metric cycle (first response or resolution), at most `cap_percent` in all.

    Availability (`escalation/reports/availability.py`): the month's availability is promised to be at
    least `availability_commitment_percent`; below it the customer is owed `availability_credit_percent`
    of the fee, or the highest of the plan's `availability_tiers` whose threshold it is below. The two
    credits are separate figures; the cap is the breaches' only.
    """

    plan = models.CharField(max_length=20, choices=Plan.choices, unique=True)
    major_first_response_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(5), validators=PERCENT_VALIDATORS
    )
    other_breach_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(2), validators=PERCENT_VALIDATORS
    )
    cap_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(30), validators=PERCENT_VALIDATORS
    )
    availability_commitment_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal("99.900"),
        validators=PERCENT_VALIDATORS,
        help_text="The monthly availability promised, e.g. 99.900 (standard) or 99.950 (premium).",
    )
    availability_credit_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(10),
        validators=PERCENT_VALIDATORS,
        help_text="Of the monthly fee, owed when the month's availability is below the commitment.",
    )

    class Meta:
        ordering = ["plan"]
        constraints = [
            models.CheckConstraint(
                condition=Q(major_first_response_percent__gte=0, major_first_response_percent__lte=100)
                & Q(other_breach_percent__gte=0, other_breach_percent__lte=100)
                & Q(cap_percent__gte=0, cap_percent__lte=100),
                name="credit_rule_percentages",
            ),
            models.CheckConstraint(
                condition=Q(availability_commitment_percent__gte=0, availability_commitment_percent__lte=100)
                & Q(availability_credit_percent__gte=0, availability_credit_percent__lte=100),
                name="credit_rule_availability_percentages",
            ),
        ]

    def __str__(self) -> str:
        return f"credit rule ({self.plan})"


class AvailabilityCreditTier(models.Model):
    """A deeper miss of a plan's availability: below `below_percent`, `credit_percent` of the fee is owed."""

    rule = models.ForeignKey(CreditRule, on_delete=models.CASCADE, related_name="availability_tiers")
    below_percent = models.DecimalField(max_digits=6, decimal_places=3, validators=PERCENT_VALIDATORS)
    credit_percent = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS)

    class Meta:
        ordering = ["rule", "-below_percent"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "below_percent"], name="availability_tier_once"),
            models.CheckConstraint(
                condition=Q(below_percent__gte=0, below_percent__lte=100)
                & Q(credit_percent__gte=0, credit_percent__lte=100),
                name="availability_tier_percentages",
            ),
        ]

    def __str__(self) -> str:
        return f"below {self.below_percent} %: {self.credit_percent} % of the fee"


class CustomerDomain(models.Model):
    """An email domain that belongs to a customer: requesters at this domain file under its plan."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=Q(domain=models.functions.Lower("domain")), name="domain_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class ContactLanguage(models.TextChoices):
    """The languages the desk writes to customers in: settings.LANGUAGES, whose catalogs are locale/."""

    ENGLISH = "en", "English"
    CHINESE_SIMPLIFIED = "zh-hans", "简体中文"
    SPANISH = "es", "Español"
    PORTUGUESE_BRAZIL = "pt-br", "Português (Brasil)"
    JAPANESE = "ja", "日本語"
    ARABIC = "ar", "العربية"


class CustomerContact(models.Model):
    """A person at a customer whom the desk tells of incidents (`notify_incidents`), in their language
    and their local time. Managed by managers (`/api/v1/customers/<id>/contacts/`)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField(max_length=254)  # stored lower-cased
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(
        max_length=10,
        choices=ContactLanguage.choices,
        default=ContactLanguage.ENGLISH,
        db_default=ContactLanguage.ENGLISH,
    )
    timezone = TimeZoneField(default="UTC", use_pytz=False)
    notify_incidents = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "email"], name="customer_contact_once"),
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")), name="customer_contact_email_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class Requester(models.Model):
    """Whoever files a ticket, by email address. A customer's domain alone proves nothing (anyone can type
    an address): the requester is trusted once the address is confirmed, by the link emailed to it or by an
    engineer (`confirmed_by`), or when it is one of the customer's contacts (`CustomerContact`)."""

    email = models.EmailField(max_length=254, unique=True)  # stored lower-cased
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Null with `confirmed_at` set: the requester followed the emailed link.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last confirmation email: at most one an hour to an address, however many tickets name it.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # The language the requester chose (the customer pages' switcher, the form filed under it, or the
    # API): it comes first for their pages and emails. Blank: never chose (tickets.languages decides).
    language = models.CharField(
        max_length=10, choices=ContactLanguage.choices, blank=True, default="", db_default=""
    )

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[-1]
