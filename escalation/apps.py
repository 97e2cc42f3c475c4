from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation and SLA"

    def ready(self) -> None:
        from tickets.sla import register_sla_clock

        from .services.clock import CalendarSlaClock

        register_sla_clock(CalendarSlaClock())

        from tickets.assignment import register_shift_book

        from .selectors import RosterShiftBook

        register_shift_book(RosterShiftBook())

        from django.db.models.signals import post_migrate

        from . import receivers
        from .services.engineers import managers_group_grant_permissions

        receivers.connect()
        # Permissions exist only once migrate has run, so the grant follows every migrate.
        post_migrate.connect(
            managers_group_grant_permissions, sender=self, dispatch_uid="managers-permissions"
        )
