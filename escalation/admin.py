from django.contrib import admin

from .models import BusinessCalendar, Engineer, Holiday, LedgerEntry, SlaTarget


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
