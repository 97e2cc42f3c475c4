"""The REST API v1 (DESIGN.md, "REST API"): composes the tickets and escalation apps.

Path segments are matched tightly (references, tokens, usernames, ids of bounded length), so a
malformed one is a 404 before any view or query runs.
"""

from datetime import date

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import JsonResponse
from django.urls import include, path, re_path, register_converter
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from .views.auth import LogoutAllView, LogoutView, TokenView
from .views.contacts import CustomerContactCollectionView, CustomerContactDetailView
from .views.customers import CustomerCollectionView, CustomerDetailView
from .views.engineers import EngineerCollectionView, EngineerDetailView, OnShiftView
from .views.incidents import (
    AlertmanagerView,
    EventsView,
    IncidentCollectionView,
    IncidentDetailView,
    IntegrationCollectionView,
    IntegrationRotateView,
    TicketIncidentView,
)
from .views.macros import MacroCollectionView, MacroDetailView, MacroRenderView
from .views.mail import QuarantineListView, QuarantineReleaseView
from .views.privacy import EngineerEraseView, RequesterEraseView, RequesterExportView
from .views.public import PublicTicketMessagesView, PublicTicketRatingView, PublicTicketView
from .views.reports import (
    AvailabilityView,
    BreachListView,
    CoverageView,
    CreditsView,
    LedgerIntegrityView,
    SatisfactionReportView,
    SlaReportView,
    TrendsView,
)
from .views.root import ApiRootView
from .views.sla import DeadlineView, LedgerView, SlaTargetCollectionView, SlaTargetDetailView
from .views.statements import StatementDetailView, StatementLinkRotateView, StatementListView
from .views.tickets import (
    TicketAcknowledgeView,
    TicketBulkView,
    TicketCollectionView,
    TicketConfirmRequesterView,
    TicketDetailView,
    TicketMessagesView,
)


class _Converter:
    def to_python(self, value: str):
        return value

    def to_url(self, value) -> str:
        return str(value)


class ReferenceConverter(_Converter):
    regex = r"[Ss][Dd]-[0-9]{1,18}"


class AccessTokenConverter(_Converter):
    regex = r"[A-Za-z0-9_-]{20,128}"


class UsernameConverter(_Converter):
    regex = r"[\w.@+-]{1,150}"


class IdConverter(_Converter):
    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)


register_converter(ReferenceConverter, "reference")
register_converter(AccessTokenConverter, "access_token")
register_converter(UsernameConverter, "username")


class MonthConverter(_Converter):
    regex = r"[0-9]{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> date:
        return date(int(value[:4]), int(value[5:]), 1)

    def to_url(self, value) -> str:
        return value.strftime("%Y-%m") if isinstance(value, date) else str(value)


register_converter(IdConverter, "id")
register_converter(MonthConverter, "month")

app_name = "api"

v1 = [
    path("", ApiRootView.as_view(), name="root"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="logout-all"),
    path("tickets/", TicketCollectionView.as_view(), name="tickets"),
    path("tickets/bulk/", TicketBulkView.as_view(), name="tickets-bulk"),
    path("tickets/<reference:reference>/", TicketDetailView.as_view(), name="ticket"),
    path("tickets/<reference:reference>/messages/", TicketMessagesView.as_view(), name="ticket-messages"),
    path(
        "tickets/<reference:reference>/acknowledge/",
        TicketAcknowledgeView.as_view(),
        name="ticket-acknowledge",
    ),
    path("tickets/<reference:reference>/incident/", TicketIncidentView.as_view(), name="ticket-incident"),
    path(
        "tickets/<reference:reference>/confirm-requester/",
        TicketConfirmRequesterView.as_view(),
        name="ticket-confirm-requester",
    ),
    path("public/tickets/<access_token:access_token>/", PublicTicketView.as_view(), name="public-ticket"),
    path(
        "public/tickets/<access_token:access_token>/messages/",
        PublicTicketMessagesView.as_view(),
        name="public-ticket-messages",
    ),
    path(
        "public/tickets/<access_token:access_token>/rating/",
        PublicTicketRatingView.as_view(),
        name="public-ticket-rating",
    ),
    path("customers/", CustomerCollectionView.as_view(), name="customers"),
    path("customers/<id:customer_id>/", CustomerDetailView.as_view(), name="customer"),
    path(
        "customers/<id:customer_id>/contacts/",
        CustomerContactCollectionView.as_view(),
        name="customer-contacts",
    ),
    path(
        "customers/<id:customer_id>/contacts/<id:contact_id>/",
        CustomerContactDetailView.as_view(),
        name="customer-contact",
    ),
    path(
        "customers/<id:customer_id>/statement-link/",
        StatementLinkRotateView.as_view(),
        name="customer-statement-link",
    ),
    path("customers/<id:customer_id>/statements/", StatementListView.as_view(), name="customer-statements"),
    path(
        "customers/<id:customer_id>/statements/<month:month>/",
        StatementDetailView.as_view(),
        name="customer-statement",
    ),
    path("mail/quarantine/", QuarantineListView.as_view(), name="mail-quarantine"),
    path("mail/quarantine/<id:mail_id>/release/", QuarantineReleaseView.as_view(), name="mail-release"),
    path("engineers/", EngineerCollectionView.as_view(), name="engineers"),
    path("engineers/on-shift/", OnShiftView.as_view(), name="engineers-on-shift"),
    path("engineers/<username:username>/", EngineerDetailView.as_view(), name="engineer"),
    path("engineers/<username:username>/erase/", EngineerEraseView.as_view(), name="engineer-erase"),
    path("requesters/erase/", RequesterEraseView.as_view(), name="requesters-erase"),
    path("requesters/export/", RequesterExportView.as_view(), name="requesters-export"),
    path("sla-targets/", SlaTargetCollectionView.as_view(), name="sla-targets"),
    path("sla-targets/<id:target_id>/", SlaTargetDetailView.as_view(), name="sla-target"),
    path("sla/deadline/", DeadlineView.as_view(), name="sla-deadline"),
    path("sla-ledger/", LedgerView.as_view(), name="sla-ledger"),
    path("reports/sla/", SlaReportView.as_view(), name="sla-report"),
    path("reports/sla/breaches/", BreachListView.as_view(), name="sla-breaches"),
    path("reports/sla/trends/", TrendsView.as_view(), name="sla-trends"),
    path("reports/credits/", CreditsView.as_view(), name="credits"),
    path("reports/satisfaction/", SatisfactionReportView.as_view(), name="satisfaction"),
    path("reports/availability/", AvailabilityView.as_view(), name="availability"),
    path("reports/coverage/", CoverageView.as_view(), name="coverage"),
    path("reports/ledger-integrity/", LedgerIntegrityView.as_view(), name="ledger-integrity"),
    path("integrations/", IntegrationCollectionView.as_view(), name="integrations"),
    path(
        "integrations/<id:integration_id>/rotate/", IntegrationRotateView.as_view(), name="integration-rotate"
    ),
    path("alerts/alertmanager/", AlertmanagerView.as_view(), name="alerts-alertmanager"),
    path("alerts/events/", EventsView.as_view(), name="alerts-events"),
    # For Events v2 clients that take a base URL and append PagerDuty's path (pdpyras, pagerduty).
    path("alerts/events/v2/enqueue", EventsView.as_view(), name="alerts-events-enqueue"),
    path("incidents/", IncidentCollectionView.as_view(), name="incidents"),
    path("macros/", MacroCollectionView.as_view(), name="macros"),
    path("macros/<id:macro_id>/", MacroDetailView.as_view(), name="macro"),
    path("macros/<id:macro_id>/render/", MacroRenderView.as_view(), name="macro-render"),
    path("incidents/<id:incident_id>/", IncidentDetailView.as_view(), name="incident"),
]


@csrf_exempt  # like every API view: a 404 for any method, not a CSRF page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/: a JSON 404 (not the web's HTML page), with a hint about slashes."""
    hint = "" if request.path.endswith("/") else " API paths end with a slash."
    return JsonResponse({"detail": f"No API endpoint at {request.path}.{hint}"}, status=404)


# The API docs under the site's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY): Swagger UI's
# start-up script is served as a file of its own (the "split" view) rather than inline, and both pages'
# templates (templates/drf_spectacular/) take their page styles from static/web/api-docs.css. Redoc
# styles itself by injecting <style> elements (styled-components) that carry no nonce, and runs its
# search in a worker it builds from a blob: URL, so its page alone allows inline styles and blob:
# workers; its scripts stay 'self' only. (Its sidebar's maker's logo, asked from the maker's CDN, is
# refused by img-src and hidden by Redoc: nothing leaves for a third party.)
redoc = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
    SpectacularRedocView.as_view(url_name="api:schema")
)

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("api/docs/redoc/", redoc, name="redoc"),
    re_path(r"^api/", not_found),
]
