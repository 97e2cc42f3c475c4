from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages (no models): connects what the header needs to know at login."""

    name = "support_desk.web"
    label = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .navigation import remember_role

        user_logged_in.connect(remember_role, dispatch_uid="web.remember_role")
