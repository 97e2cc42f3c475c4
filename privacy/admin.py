"""Personal data in the admin: the erasure records (read only: they are append-only), retention per
customer, and the two erasure actions (on requesters, and on engineers who left). Managers only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils import timezone

from escalation.models import Engineer
from escalation.roster.services.engineers import is_manager
from tickets.models import Requester

from .models import Erasure, RetentionPolicy
from .services import ErasureRefused, engineer_erase, requester_erase


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "pseudonym", "erased_by", "reason"]
    list_filter = ["kind"]
    readonly_fields = ["kind", "pseudonym", "reason", "erased_by", "at", "counts"]
    exclude = ["subject_digest"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["customer", "months"]
    autocomplete_fields = ["customer"]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Kept for good: do not name the person.")


def _erase_action(modeladmin, request, queryset, *, what: str, erase, key) -> TemplateResponse | None:
    if not is_manager(request.user):
        modeladmin.message_user(request, "Only managers may erase personal data.", messages.ERROR)
        return None
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                erase(key(obj), reason=form.cleaned_data["reason"], actor=request.user, now=timezone.now())
            except ErasureRefused as exc:
                modeladmin.message_user(request, f"{obj.pk}: {exc}", messages.ERROR)
                continue
            done += 1
        modeladmin.message_user(request, f"{done} {what} erased.", messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Erase {queryset.count()} {what}",
        "objects": queryset,
        "form": form,
        "action": request.POST.get("action"),
        "checkbox": ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/privacy/erase_confirm.html", context)


@admin.action(description="Erase personal data (cannot be undone)")
def erase_requesters(modeladmin, request, queryset):
    return _erase_action(
        modeladmin, request, queryset, what="requesters",
        erase=lambda email, **kw: requester_erase(email=email, **kw), key=lambda r: r.email,
    )  # fmt: skip


@admin.action(description="Erase personal data of engineers who left (cannot be undone)")
def erase_engineers(modeladmin, request, queryset):
    return _erase_action(
        modeladmin, request, queryset, what="engineers",
        erase=lambda username, **kw: engineer_erase(username=username, **kw),
        key=lambda e: e.user.get_username(),
    )  # fmt: skip


def _add_action(model, action) -> None:
    """The app that owns `model` registered its admin; this one adds an action to it (apps below this one
    in the layers cannot import it)."""
    registered = admin.site._registry[model]
    registered.actions = [*(registered.actions or ()), action]


_add_action(Requester, erase_requesters)
_add_action(Engineer, erase_engineers)
