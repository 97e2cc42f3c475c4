from django import forms
from django.contrib import admin

from .models import (
    AvailabilityCreditTier,
    BlockedSender,
    CreditRule,
    Customer,
    CustomerContact,
    CustomerDomain,
    Event,
    Message,
    Requester,
    RequesterNotification,
    Ticket,
)
from .services.requesters import normalize_email


class CustomerDomainInline(admin.TabularInline):
    model = CustomerDomain
    extra = 1


class CustomerContactForm(forms.ModelForm):
    class Meta:
        model = CustomerContact
        fields = ["email", "name", "language", "timezone", "notify_incidents"]

    def clean_email(self) -> str:
        # Lower-cased as the API's service does, before the form checks the address is the customer's once.
        return normalize_email(self.cleaned_data["email"])


class CustomerContactInline(admin.TabularInline):
    """Who the desk tells of the customer's incidents; the API's `customers/<id>/contacts/` manages them
    too."""

    model = CustomerContact
    form = CustomerContactForm
    extra = 0
    fields = ["email", "name", "language", "timezone", "notify_incidents"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "timezone", "monthly_fee", "currency"]
    list_filter = ["plan"]
    search_fields = ["name", "domains__domain", "contacts__email"]
    inlines = [CustomerDomainInline, CustomerContactInline]


class AvailabilityCreditTierInline(admin.TabularInline):
    model = AvailabilityCreditTier
    extra = 1


@admin.register(CreditRule)
class CreditRuleAdmin(admin.ModelAdmin):
    """The service-credit rule of each plan; the SLA report and the credits API apply it per UTC month,
    the availability report its commitment and credit table."""

    list_display = [
        "plan",
        "major_first_response_percent",
        "other_breach_percent",
        "cap_percent",
        "availability_commitment_percent",
        "availability_credit_percent",
    ]
    inlines = [AvailabilityCreditTierInline]


@admin.register(Requester)
class RequesterAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "created_at"]
    search_fields = ["email", "name"]


@admin.register(BlockedSender)
class BlockedSenderAdmin(admin.ModelAdmin):
    """Addresses whose tickets close as spam on arrival; engineers block and unblock them on the ticket
    page, this lists them (and lets an admin unblock by deleting)."""

    list_display = ["address", "blocked_by", "blocked_at", "reason"]
    search_fields = ["address"]
    readonly_fields = ["blocked_by", "blocked_at"]

    def has_add_permission(self, request) -> bool:
        return False  # blocked from a ticket, with who and when


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["created_at", "author", "internal", "body"]
    readonly_fields = fields
    can_delete = False


class ReadOnlyAdmin:
    """For evidence (events, pages, notifications, ledger rows): shown in the admin, never added,
    changed or deleted there, by anyone, superusers included; without delete there is no delete action.
    Mixed into a `ModelAdmin` or an inline."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EventInline(ReadOnlyAdmin, admin.TabularInline):
    """The ticket's timeline is evidence: shown, never added to, changed or deleted here, by anyone."""

    model = Event
    extra = 0
    fields = ["at", "type", "actor", "data"]
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: lifecycle changes go through the services (web UI and API), which keep the clocks."""

    list_display = [
        "reference", "subject", "severity", "status", "plan", "customer", "assignee",
        "first_response_due_at", "resolution_due_at", "escalation_level",
    ]  # fmt: skip
    list_filter = ["severity", "status", "plan"]
    search_fields = ["subject", "requester__email"]
    list_select_related = ["customer", "assignee"]
    readonly_fields = [f.name for f in Ticket._meta.concrete_fields]
    inlines = [MessageInline, EventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RequesterNotification)
class RequesterNotificationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The emails to requesters and how each went (a `failed` one says why). A record: nobody edits it."""

    list_display = ["created_at", "ticket", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["recipient"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in RequesterNotification._meta.concrete_fields]
