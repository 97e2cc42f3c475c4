"""Incidents: the integrations that send alerts (managed here), the incidents they open (read-only)."""

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from escalation.incidents.models import (
    Alert,
    Incident,
    IncidentEvent,
    IncidentTicket,
    IncidentUpdate,
    Integration,
)
from escalation.incidents.selectors import incident_list_for_admin
from escalation.incidents.services.integrations import (
    integration_create,
    integration_rotate_key,
    integration_update,
)
from tickets.admin import ReadOnlyAdmin

from .base import AuditRecordAdmin

INTEGRATION_EDITABLE = [
    "name", "enabled", "customer_label", "default_customer", "severity_map", "auto_resolve"
]  # fmt: skip


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """Integrations go through their services: adding one issues its key and rotating gives a new one, each
    shown once in a message; only the key's prefix is kept and shown. The kind is chosen once. An
    integration is disabled, never deleted: its incidents (and the availability report) refer to it."""

    list_display = [
        "name", "kind", "key_prefix", "enabled", "default_customer", "customer_label", "auto_resolve",
        "created_at",
    ]  # fmt: skip
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "key_prefix"]
    list_select_related = ["default_customer"]
    actions = ["rotate_key"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "kind", *INTEGRATION_EDITABLE[1:]]
        return ["name", "kind", "key_prefix", *INTEGRATION_EDITABLE[1:], "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["kind", "key_prefix", "created_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in INTEGRATION_EDITABLE}
            saved = integration_update(integration_id=obj.pk, **changes) if changes else obj
        else:
            fields = {name: data[name] for name in INTEGRATION_EDITABLE}
            saved, key = integration_create(kind=data["kind"], **fields)
            messages.success(request, _key_message(saved, key))
        for field in Integration._meta.concrete_fields:  # the admin goes on with `obj` (log, redirect)
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    @admin.action(description="Rotate key (the old key stops working at once)", permissions=["change"])
    def rotate_key(self, request, queryset):
        for pk in queryset.order_by("name", "id").values_list("pk", flat=True):
            integration, key = integration_rotate_key(integration_id=pk)
            self.log_change(request, integration, "Rotated the key.")
            messages.success(request, _key_message(integration, key, rotated=True))


def _key_message(integration, key: str, *, rotated: bool = False) -> str:
    what = "new key" if rotated else "key"
    return (
        f"The {what} of “{integration.name}” is {key} (shown this once: only its prefix "
        f"{integration.key_prefix} is kept; copy it into the sender now)."
    )


ALERTS_SHOWN = 50


class LatestAlertsFormSet(BaseInlineFormSet):
    """The incident's latest `ALERTS_SHOWN` alerts, not all of them (a storm sends thousands)."""

    def get_queryset(self):
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset().order_by("-received_at", "-id")[:ALERTS_SHOWN]
        return self._latest


class IncidentAlertInline(ReadOnlyAdmin, admin.TabularInline):
    model = Alert
    formset = LatestAlertsFormSet
    extra = 0
    can_delete = False
    fields = ["received_at", "occurred_at", "action", "source_severity", "summary"]
    readonly_fields = fields
    verbose_name_plural = f"latest alerts (at most {ALERTS_SHOWN}, newest first; the rest: “all alerts”)"


class IncidentEventInline(ReadOnlyAdmin, admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    fields = ["at", "type", "actor", "data"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class IncidentUpdateInline(ReadOnlyAdmin, admin.TabularInline):
    model = IncidentUpdate
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "body"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class IncidentTicketInline(ReadOnlyAdmin, admin.TabularInline):
    model = IncidentTicket
    extra = 0
    can_delete = False
    fields = ["ticket", "customer", "opened_for_incident", "linked_at", "linked_by"]
    readonly_fields = fields
    verbose_name_plural = "tickets"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ticket", "customer", "linked_by")


@admin.register(Incident)
class IncidentAdmin(AuditRecordAdmin):
    """Incidents change through the desk and the API (with their timeline events); here they are read
    only, and never deleted by anyone: the availability report is computed from them."""

    list_display = [
        "__str__", "status", "severity", "impact", "started_at", "impact_ended_at", "resolved_at",
        "commander", "alert_count", "customers",
    ]  # fmt: skip
    list_filter = ["status", "impact", "severity"]
    search_fields = ["title", "dedup_key"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "all_alerts", "customers", *(f.name for f in Incident._meta.concrete_fields)
    ]  # fmt: skip
    inlines = [IncidentTicketInline, IncidentUpdateInline, IncidentEventInline, IncidentAlertInline]

    def get_queryset(self, request):
        return incident_list_for_admin()

    @admin.display(description="customers", ordering="customer_count")
    def customers(self, incident):
        return incident.customer_count

    @admin.display(description="all alerts")
    def all_alerts(self, incident):
        url = reverse("admin:escalation_alert_changelist") + f"?incident__id__exact={incident.pk}"
        return format_html('<a href="{}">{} alerts</a>', url, incident.alert_count)


@admin.register(Alert)
class AlertAdmin(AuditRecordAdmin):
    """Every alert received, paginated (an incident's are linked from it): read-only evidence."""

    list_display = [
        "__str__", "incident", "action", "source_severity", "summary", "occurred_at", "received_at"
    ]  # fmt: skip
    list_filter = ["action", "source_severity"]
    list_select_related = ["incident"]
    search_fields = ["summary", "incident__dedup_key"]
    readonly_fields = [f.name for f in Alert._meta.concrete_fields]
    show_full_result_count = False
