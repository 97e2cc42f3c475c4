from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from knox.models import AuthToken

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
from escalation.paging.models import Escalation, EscalationPolicy, Notification, Page, PolicyStep
from escalation.paging.selectors import page_list_with_escalations
from escalation.roster.coverage import describe_gaps
from escalation.roster.models import Engineer
from escalation.roster.selectors import manager_zone_get
from escalation.roster.services.api_tokens import api_tokens_revoke_all, api_tokens_visible_to
from escalation.roster.services.coverage import COVERAGE_FIELDS, coverage_gaps_opened
from escalation.roster.services.engineers import (
    engineer_access_set,
    engineer_change_check,
    privileged_logins,
)
from escalation.sla.models import BusinessCalendar, Holiday, LedgerEntry, SlaTarget
from tickets.admin import ReadOnlyAdmin

CONFIRM_GAP_LABEL = "Save despite the coverage gap"


class EngineerAdminForm(forms.ModelForm):
    """The engineer form, with a confirmation step when the change opens a gap in 24x7 coverage."""

    confirm_coverage_gap = forms.BooleanField(
        required=False, widget=forms.HiddenInput, label=CONFIRM_GAP_LABEL
    )
    report_zone = ZoneInfo("UTC")  # the manager's zone, set per request by EngineerAdmin.get_form

    def clean(self):
        data = super().clean()
        if self.errors or data.get("confirm_coverage_gap") or self.instance.pk is None:
            return data  # adding an engineer never takes coverage away
        changes = {name: data[name] for name in COVERAGE_FIELDS if name in data}
        # The admin saves in the same transaction: the roster stays locked until then.
        gaps = coverage_gaps_opened(engineer=self.instance, changes=changes, now=timezone.now(), lock=True)
        if gaps:
            self.fields["confirm_coverage_gap"].widget = forms.CheckboxInput()
            raise ValidationError(
                "This change leaves nobody on shift and nobody on call to page for a 24x7 ticket during: "
                f"{describe_gaps(gaps, self.report_zone)}. Nothing was saved. To save it anyway, tick "
                f"“{CONFIRM_GAP_LABEL}” below and save again.",
                code="coverage_gap",
            )
        return data


@admin.register(Engineer)
class EngineerAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "region",
        "timezone",
        "shift_start",
        "shift_end",
        "lead",
        "on_call",
        "capacity",
        "active",
    ]
    list_filter = ["region", "active", "lead", "on_call"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    form = EngineerAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"report_zone": manager_zone_get(request.user)})

    def get_readonly_fields(self, request, obj=None):
        # The login an engineer row belongs to is chosen once, when the row is added.
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # A manager attaches engineers to engineers' logins only, never to a manager's or superuser's.
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.exclude(pk__in=privileged_logins().values("pk"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            engineer_change_check(engineer=obj, by=request.user, changes=form.changed_data)
        super().save_model(request, obj, form, change)
        if "active" in form.changed_data or (not change and not obj.active):
            engineer_access_set(engineer=obj, active=obj.active)  # as the API does: sessions, tokens, login

    def delete_view(self, request, object_id, extra_context=None):
        """The confirmation page says which 24x7 coverage the deletion would leave empty."""
        engineer = self.get_object(request, object_id) if request.method == "GET" else None
        if engineer is not None:
            gaps = coverage_gaps_opened(engineer=engineer, changes={"active": False}, now=timezone.now())
            if gaps:
                messages.warning(
                    request,
                    "Deleting this engineer leaves nobody on shift and nobody on call to page for a 24x7 "
                    f"ticket during: {describe_gaps(gaps, manager_zone_get(request.user))}.",
                )
        return super().delete_view(request, object_id, extra_context)


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "opens", "closes", "timezone", "holiday_country"]
    inlines = [HolidayInline]


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["plan", "severity", "first_response", "resolution", "calendar"]
    list_filter = ["plan", "severity"]


class AuditRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Evidence (what fired, who was told, what the ledger promised): readable here, never added,
    changed or deleted, by anyone, superusers included (no delete action either)."""


@admin.register(LedgerEntry)
class LedgerEntryAdmin(AuditRecordAdmin):
    list_display = ["seq", "kind", "ticket", "metric", "cycle", "due_at", "achieved_at", "met", "overshoot"]
    list_filter = ["kind", "metric", "met", "severity", "plan"]


class PolicyStepInline(admin.TabularInline):
    model = PolicyStep
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["severity", "warning_at_fraction"]
    inlines = [PolicyStepInline]


@admin.register(Escalation)
class EscalationAdmin(AuditRecordAdmin):
    list_display = ["ticket", "metric", "cycle", "step", "due_at", "fired_at", "acknowledged_at"]
    list_filter = ["metric", "step"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Escalation._meta.concrete_fields]


@admin.register(Notification)
class NotificationAdmin(AuditRecordAdmin):
    list_display = ["ticket", "purpose", "channel", "recipient", "status", "attempts", "created_at"]
    list_filter = ["channel", "status", "purpose"]
    readonly_fields = [f.name for f in Notification._meta.concrete_fields]


class PageAcknowledgedFilter(admin.SimpleListFilter):
    """Whether everything a page told its recipient about has been acknowledged (by the SMS's ACK, the
    call's keypress or on the desk); reads the counts `page_list_with_escalations` annotates."""

    title = "acknowledged"
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return [("yes", "All acknowledged"), ("no", "Some not acknowledged")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(escalation_count__gt=0, open_count=0)
        if self.value() == "no":
            return queryset.filter(open_count__gt=0)
        return queryset


class PageNotificationInline(ReadOnlyAdmin, admin.TabularInline):
    """The notifications a page groups, each with the escalation (fired step) it is about."""

    model = Notification
    fk_name = "page"
    extra = 0
    can_delete = False
    fields = ["ticket", "escalation", "fired_at", "acknowledged_at", "grouped", "status", "created_at"]
    readonly_fields = fields
    verbose_name = "grouped escalation"
    verbose_name_plural = "grouped escalations"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ticket", "escalation__acknowledged_by")

    @admin.display(description="fired at")
    def fired_at(self, notification):
        return notification.escalation.fired_at if notification.escalation else None

    @admin.display(description="acknowledged")
    def acknowledged_at(self, notification):
        escalation = notification.escalation
        if escalation is None or escalation.acknowledged_at is None:
            return "not yet" if escalation else "-"
        who = escalation.acknowledged_by or escalation.acknowledged_via or "?"
        return f"{escalation.acknowledged_at:%Y-%m-%d %H:%M:%S} UTC by {who}"


@admin.register(Page)
class PageAdmin(AuditRecordAdmin):
    """One grouping window's SMS or call to one recipient: evidence, read-only like the escalations and
    notifications it groups (listed inline), with a link to the page the SMS links to (`/pages/<id>/`)."""

    list_display = [
        "__str__", "recipient", "recipient_user", "channel", "window", "escalations", "acknowledged",
        "status", "opened_at",
    ]  # fmt: skip
    list_filter = [PageAcknowledgedFilter, "status", "channel", "opened_at"]
    date_hierarchy = "opened_at"
    search_fields = ["recipient", "recipient_user__username"]
    readonly_fields = [
        "web_page", "escalations", "acknowledged", *(f.name for f in Page._meta.concrete_fields)
    ]  # fmt: skip
    inlines = [PageNotificationInline]

    def get_queryset(self, request):
        return page_list_with_escalations()

    def view_on_site(self, page):
        return reverse("web:page", args=[page.pk])

    @admin.display(description="window")
    def window(self, page):
        return f"{page.opened_at:%Y-%m-%d %H:%M:%S} to {page.closes_at:%H:%M:%S} UTC"

    @admin.display(description="escalations", ordering="escalation_count")
    def escalations(self, page):
        return page.escalation_count

    @admin.display(description="acknowledged", ordering="open_count")
    def acknowledged(self, page):
        if not page.escalation_count:
            return "-"
        if not page.open_count:
            return "all"
        return f"{page.open_count} of {page.escalation_count} open"

    @admin.display(description="web page")
    def web_page(self, page):
        url = reverse("web:page", args=[page.pk])
        return format_html('<a href="{}">{}</a>', url, url)


# --- Incidents: the integrations that send alerts (managed here), the incidents they open (read-only) ---


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


# --- API tokens: seen and revoked, never made or changed here ------------------------------------


@admin.action(permissions=["delete"], description="Revoke every token of these tokens' logins")
def revoke_all_of_their_logins(modeladmin, request, queryset):
    users = {token.user for token in queryset.select_related("user")}
    revoked = sum(api_tokens_revoke_all(user=user) for user in users)
    logins = ", ".join(sorted(user.get_username() for user in users))
    modeladmin.message_user(request, f"Revoked {revoked} token(s) of {logins}.", messages.SUCCESS)


class ApiTokenAdmin(admin.ModelAdmin):
    """Deleting a token revokes it (the selected ones with the delete action, or all of a login's with
    the other action). Tokens come from `POST /api/v1/auth/token/` only: no adding here (the admin would
    have to show the token), and nothing to change. A manager who is not a superuser reaches their own
    tokens and those of logins that are neither managers nor superusers (`api_tokens_visible_to`)."""

    list_display = ["user", "token_key", "created", "expiry", "expired"]
    list_select_related = ["user"]
    search_fields = ["user__username", "token_key"]
    ordering = ["-created"]
    fields = readonly_fields = ["user", "token_key", "created", "expiry"]
    actions = [revoke_all_of_their_logins]

    def get_queryset(self, request):
        return api_tokens_visible_to(super().get_queryset(request), user=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            function, name, _ = actions["delete_selected"]
            actions["delete_selected"] = (function, name, "Revoke the selected tokens")
        return actions

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True)
    def expired(self, token) -> bool:
        return token.expiry is not None and token.expiry <= timezone.now()


if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)
admin.site.register(AuthToken, ApiTokenAdmin)


# --- Users, groups and permissions: superusers only ------------------------------------------------


class SuperusersOnly:
    """Nobody but a superuser sees, adds, changes or deletes these, whatever their permissions say.

    Managers manage engineers (and their logins) through the engineer screens and the API, which never
    offer superuser status, groups or permissions.
    """

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


class SuperuserUserAdmin(SuperusersOnly, UserAdmin):
    pass


class SuperuserGroupAdmin(SuperusersOnly, GroupAdmin):
    pass


for _model, _admin in ((get_user_model(), SuperuserUserAdmin), (Group, SuperuserGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
