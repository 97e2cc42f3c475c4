from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages (no models): connects what the header needs to know at login, and words the emails to
    requesters that the ticket services record."""

    name = "support_desk.web"
    label = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tickets.notifications import register_requester_mail

        from .emails import RequesterMailTemplates
        from .navigation import remember_role

        user_logged_in.connect(remember_role, dispatch_uid="web.remember_role")
        # The ticket services record the requester's emails; this words them (promise, private link).
        register_requester_mail(RequesterMailTemplates())
