"""Who may do what: engineers are active staff users; managers are engineers in the `managers` group
(or superusers). A requester has no login: their access token opens their ticket's public endpoints."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from escalation.roster.services.engineers import is_engineer, is_manager


def is_api_manager(user) -> bool:
    return is_manager(user) and (user.is_staff or user.is_superuser)


class IsEngineer(BasePermission):
    message = "Only support engineers may do this."

    def has_permission(self, request, view) -> bool:
        return is_engineer(request.user)


class IsManager(BasePermission):
    message = "Only managers may do this."

    def has_permission(self, request, view) -> bool:
        return is_api_manager(request.user)


class EngineersReadManagersWrite(BasePermission):
    message = "Engineers may read this; only managers may change it."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return is_engineer(request.user)
        return is_api_manager(request.user)
