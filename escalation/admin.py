from django.contrib import admin

from .models import (
    BusinessCalendar,
    Engineer,
    Escalation,
    EscalationPolicy,
    Holiday,
    LedgerEntry,
    Notification,
    PolicyStep,
    SlaTarget,
)


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


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """The ledger is evidence: readable here, never editable."""

    list_display = ["seq", "kind", "ticket", "metric", "cycle", "due_at", "achieved_at", "met", "overshoot"]
    list_filter = ["kind", "metric", "met", "severity", "plan"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PolicyStepInline(admin.TabularInline):
    model = PolicyStep
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["severity", "warning_at_fraction"]
    inlines = [PolicyStepInline]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["ticket", "metric", "cycle", "step", "due_at", "fired_at", "acknowledged_at"]
    list_filter = ["metric", "step"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Escalation._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["ticket", "purpose", "channel", "recipient", "status", "attempts", "created_at"]
    list_filter = ["channel", "status", "purpose"]
    readonly_fields = [f.name for f in Notification._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False
