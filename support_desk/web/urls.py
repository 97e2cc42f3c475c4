"""The server-rendered web pages (DESIGN.md, "Web"): composes the tickets and escalation apps."""

from datetime import date

from django.urls import path, register_converter

from tickets.models import ACCESS_TOKEN_PATTERN

from .views import (
    closing,
    confirmations,
    customers,
    desk,
    incidents,
    language,
    pages,
    ratings,
    reports,
    statements,
)


class PrivateTokenConverter:
    """A private link's key: anything outside its alphabet is a 404 before a view or query runs."""

    regex = ACCESS_TOKEN_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class StatementMonthConverter:
    """A calendar month, YYYY-MM, as its first day; anything else is a 404."""

    regex = r"[0-9]{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> date:
        return date(int(value[:4]), int(value[5:]), 1)

    def to_url(self, value) -> str:
        return value.strftime("%Y-%m") if isinstance(value, date) else str(value)


register_converter(PrivateTokenConverter, "private_token")
register_converter(StatementMonthConverter, "statement_month")

app_name = "web"

urlpatterns = [
    # Customers: no account; the access token in the private link is the key.
    path("", customers.ticket_new, name="ticket-new"),
    path("t/<private_token:access_token>/", customers.customer_ticket, name="customer-ticket"),
    path("t/<private_token:access_token>/rate/", ratings.customer_rate, name="customer-rate"),
    path("t/<private_token:access_token>/received/", customers.ticket_received, name="ticket-received"),
    path(
        "t/<private_token:access_token>/files/<int:attachment_id>/",
        customers.customer_attachment,
        name="customer-attachment",
    ),
    path("confirm/<str:token>/", confirmations.requester_confirm_page, name="requester-confirm"),
    # The language switcher in every page's header (a cookie; on a ticket's page, its requester too).
    path("language/", language.set_language, name="set-language"),
    # A customer's monthly SLA statements: the key in the link is the permission.
    path("statements/<private_token:statement_token>/", statements.statement_months, name="statements"),
    path(
        "statements/<private_token:statement_token>/<statement_month:month>/",
        statements.statement_detail,
        name="statement",
    ),
    path(
        "statements/<private_token:statement_token>/<statement_month:month>.json",
        statements.statement_json_download,
        name="statement-json",
    ),
    path(
        "statements/<private_token:statement_token>/<statement_month:month>.csv",
        statements.statement_csv_download,
        name="statement-csv",
    ),
    # Engineers (staff).
    path("queue/", desk.queue, name="queue"),
    path("queue/bulk/", closing.queue_bulk, name="queue-bulk"),
    path("tickets/<str:reference>/close-spam/", closing.ticket_close_spam, name="ticket-close-spam"),
    path(
        "tickets/<str:reference>/close-duplicate/",
        closing.ticket_close_duplicate,
        name="ticket-close-duplicate",
    ),
    path("tickets/<str:reference>/block-sender/", closing.sender_block, name="ticket-block-sender"),
    path("queue/live/", desk.queue_live, name="queue-live"),
    path("tickets/<str:reference>/", desk.ticket_detail, name="ticket"),
    path("tickets/<str:reference>/reply/", desk.ticket_reply_public, name="ticket-reply"),
    path("tickets/<str:reference>/note/", desk.ticket_note, name="ticket-note"),
    path("tickets/<str:reference>/status/", desk.ticket_status, name="ticket-status"),
    path("tickets/<str:reference>/assign/", desk.ticket_assign_to, name="ticket-assign"),
    path("tickets/<str:reference>/take/", desk.ticket_take, name="ticket-take"),
    path("tickets/<str:reference>/severity/", desk.ticket_severity, name="ticket-severity"),
    path(
        "tickets/<str:reference>/confirm-requester/",
        desk.ticket_confirm_requester,
        name="ticket-confirm-requester",
    ),
    path("tickets/<str:reference>/acknowledge/", desk.ticket_acknowledge, name="ticket-acknowledge"),
    path("tickets/<str:reference>/incident/", incidents.ticket_incident, name="ticket-incident"),
    path("tickets/<str:reference>/files/<int:attachment_id>/", desk.desk_attachment, name="desk-attachment"),
    path("pages/<int:page_id>/", pages.page_detail, name="page"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident"),
    path(
        "incidents/<int:incident_id>/acknowledge/",
        incidents.incident_acknowledge,
        name="incident-acknowledge",
    ),
    path("incidents/<int:incident_id>/update/", incidents.incident_post_update, name="incident-update"),
    path("incidents/<int:incident_id>/resolve/", incidents.incident_resolve, name="incident-resolve"),
    path("incidents/<int:incident_id>/commander/", incidents.incident_commander, name="incident-commander"),
    path("incidents/<int:incident_id>/impact/", incidents.incident_impact_window, name="incident-impact"),
    # Managers.
    path("reports/sla/", reports.sla_report, name="report"),
    path("reports/sla/groups.csv", reports.report_groups_csv, name="report-groups-csv"),
    path("reports/sla/breaches.csv", reports.report_breaches_csv, name="report-breaches-csv"),
    path("reports/sla/ledger.csv", reports.report_ledger_csv, name="report-ledger-csv"),
    path("reports/availability.csv", reports.report_availability_csv, name="report-availability-csv"),
    path("reports/coverage/", reports.coverage, name="coverage"),
]
