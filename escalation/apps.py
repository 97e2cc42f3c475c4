from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation and SLA"

    def ready(self) -> None:
        from escalation.paging.services.alarms import alarms_new, alarms_replan
        from escalation.sla.services.clock import CalendarSlaClock
        from tickets.sla import register_sla_clock

        # The SLA side computes deadlines; paging plans the alarms that follow them.
        register_sla_clock(CalendarSlaClock(alarms_new=alarms_new, alarms_replan=alarms_replan))

        from escalation.roster.selectors import RosterShiftBook
        from tickets.assignment import register_shift_book

        register_shift_book(RosterShiftBook())

        from escalation.incidents.selectors import open_incident_by_ticket
        from escalation.paging.services.escalations import register_incident_lookup

        # Paging pages once per incident step; which incident a ticket belongs to is the incidents'.
        register_incident_lookup(open_incident_by_ticket)

        from escalation.incidents.services.incidents import incident_acknowledge_by_page
        from escalation.paging.services.acknowledgements import register_incident_acknowledger

        # Answering the commander's page acknowledges the incident.
        register_incident_acknowledger(incident_acknowledge_by_page)

        from django.db.models.signals import post_migrate

        from escalation import checks, receivers  # noqa: F401 - checks registers itself
        from escalation.roster.services.engineers import managers_group_grant_permissions

        receivers.connect()
        # Permissions exist only once migrate has run, so the grant follows every migrate.
        post_migrate.connect(
            managers_group_grant_permissions, sender=self, dispatch_uid="managers-permissions"
        )
