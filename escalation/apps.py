from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation and SLA"

    def ready(self) -> None:
        from tickets.sla import register_sla_clock

        from .services.clock import CalendarSlaClock

        register_sla_clock(CalendarSlaClock())

        from . import receivers

        receivers.connect()
