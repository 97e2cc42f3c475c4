"""A customer's monthly SLA statements, behind the statement link (`/statements/<token>/`).

No account: the unguessable key in the link is the permission (managers see it in the API and rotate
it). Each month's page and its two downloads are rendered from the statement as it was made: the JSON
carries its signature, the CSV ends with a signature of its own bytes (`escalation/statements/document.py`).
No cache, not indexed, as the customer's ticket pages. Two queries a page whatever the month holds.
"""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from escalation.sla.services.checkpoints import checkpoint_key
from escalation.statements.document import statement_csv, statement_json
from escalation.statements.models import Statement
from escalation.statements.selectors import statement_get, statement_list
from tickets.models import Customer
from tickets.selectors import customer_get_by_statement_token

from ..presenters.statement import statement_page
from .customers import ROBOTS


def _customer(statement_token: str) -> Customer:
    customer = customer_get_by_statement_token(statement_token=statement_token)
    if customer is None:
        raise Http404("No statements have this link.")
    return customer


def _statement(statement_token: str, month: date) -> tuple[Customer, Statement]:
    customer = _customer(statement_token)
    statement = statement_get(customer_id=customer.pk, month=month)
    if statement is None:
        raise Http404("No statement of this month.")
    return customer, statement


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = ROBOTS
    return response


@require_safe
@never_cache
def statement_months(request: HttpRequest, statement_token: str) -> HttpResponse:
    customer = _customer(statement_token)
    context = {
        "customer": customer,
        "statements": statement_list(customer_id=customer.pk),
        "token": statement_token,
    }
    return _private(render(request, "web/statements.html", context))


@require_safe
@never_cache
def statement_detail(request: HttpRequest, statement_token: str, month: date) -> HttpResponse:
    _, statement = _statement(statement_token, month)
    context = {"statement": statement, "page": statement_page(statement.document), "token": statement_token}
    return _private(render(request, "web/statement.html", context))


def _download(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content.encode(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@require_safe
@never_cache
def statement_json_download(request: HttpRequest, statement_token: str, month: date) -> HttpResponse:
    _, statement = _statement(statement_token, month)
    content = statement_json(statement.document, signature=statement.signature)
    return _download(content, "application/json", f"sla-statement-{month:%Y-%m}.json")


@require_safe
@never_cache
def statement_csv_download(request: HttpRequest, statement_token: str, month: date) -> HttpResponse:
    _, statement = _statement(statement_token, month)
    key = checkpoint_key() if statement.signed else ""  # an unsigned statement stays unsigned
    content = statement_csv(statement.document, key=key)
    return _download(content, "text/csv; charset=utf-8", f"sla-statement-{month:%Y-%m}.csv")
