"""Engineers: their shifts, phones and logins, and the coverage gap a change would open."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from escalation.roster.coverage import describe_gaps
from escalation.roster.models import Engineer
from escalation.roster.selectors import manager_zone_get
from escalation.roster.services.coverage import COVERAGE_FIELDS, coverage_gaps_opened
from escalation.roster.services.engineers import (
    engineer_access_set,
    engineer_change_check,
    privileged_logins,
)

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
