"""Business calendars, SLA targets, and the ledger (read-only)."""

from django.contrib import admin

from escalation.sla.models import BusinessCalendar, Holiday, LedgerEntry, SlaTarget

from .base import AuditRecordAdmin


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
class LedgerEntryAdmin(AuditRecordAdmin):
    list_display = ["seq", "kind", "ticket", "metric", "cycle", "due_at", "achieved_at", "met", "overshoot"]
    list_filter = ["kind", "metric", "met", "severity", "plan"]
