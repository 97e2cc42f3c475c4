from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages (no models): connects what the header needs to know at login, and words the emails to
    requesters that the ticket services record."""

    name = "support_desk.web"
    label = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from support_desk.lockout import lockout_reset_for_username
        from tickets.notifications import register_requester_mail

        from .emails import RequesterMailTemplates
        from .navigation import remember_role

        user_logged_in.connect(remember_role, dispatch_uid="web.remember_role")
        user_logged_in.connect(lockout_reset_for_username, dispatch_uid="web.lockout_reset_for_username")
        # The ticket services record the requester's emails; this words them (promise, private link).
        register_requester_mail(RequesterMailTemplates())
