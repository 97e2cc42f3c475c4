"""Who may see the engineers' pages (staff users, `is_engineer`) and the managers' reports. Anonymous
visitors log in first."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from escalation.roster.services.engineers import is_engineer, is_manager


def engineer_required(view):
    """Anonymous: redirect to the login page and back. Logged in but not an engineer: 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_engineer(request.user):
            raise PermissionDenied("This page is for support engineers")
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    """Managers only (staff in the `managers` group, or superusers). Anonymous: log in first; anyone
    else logged in, engineers included: 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (is_manager(request.user) and (request.user.is_staff or request.user.is_superuser)):
            raise PermissionDenied("This page is for managers")
        return view(request, *args, **kwargs)

    return wrapper
