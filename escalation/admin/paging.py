"""Escalation policies (managed here); escalations, notifications and grouped pages (read-only)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from escalation.paging.models import Escalation, EscalationPolicy, Notification, Page, PolicyStep
from escalation.paging.selectors import page_list_with_escalations
from tickets.admin import ReadOnlyAdmin

from .base import AuditRecordAdmin


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
