"""API tokens (seen and revoked, never made or changed here), and users, groups and permissions
(superusers only)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils import timezone
from knox.models import AuthToken

from escalation.roster.services.api_tokens import api_tokens_revoke_all, api_tokens_visible_to

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
