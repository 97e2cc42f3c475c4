"""A customer reads their monthly SLA statement in real Chromium (issue 15, item 4): from the statement
link, by keyboard only, to the month's page and its signed download, with no Content-Security-Policy
violation. A screenshot of the page goes to the screenshots folder."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from escalation.models import Metric
from escalation.sla.services.clock import sla_record_breach
from escalation.statements.document import statement_read
from escalation.statements.services import statements_make_for_month
from tests.factories import NOW, CustomerFactory, make_ticket
from tests.web.axe import assert_accessible
from tests.web.test_browser_csp import REPORT_VIOLATIONS, VIOLATION
from tickets.models import Severity

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

KEY = "a-statement-key-kept-out-of-the-database"


def test_a_customer_opens_a_statement_by_keyboard_and_downloads_it_signed(
    live_server, browser, screenshot_dir, settings
):
    settings.LEDGER_CHECKPOINT_KEY = KEY
    customer = CustomerFactory(name="Kabuki Live", domains=["kabuki.example"])
    late = make_ticket(severity=Severity.MAJOR, now=NOW, email="noc@kabuki.example")
    sla_record_breach(ticket_id=late.pk, metric=Metric.FIRST_RESPONSE, now=NOW + timedelta(minutes=16))
    statements_make_for_month(month=date(2025, 6, 1), now=datetime(2025, 7, 1, 0, 5, tzinfo=UTC))

    context = browser.new_context(accept_downloads=True)
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if VIOLATION in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{live_server.url}/statements/{customer.statement_token}/")
        month = page.get_by_role("link", name="June 2025")
        for _ in range(30):  # Tab through the page until the month's link has the focus
            page.keyboard.press("Tab")
            if month.evaluate("link => link === document.activeElement"):
                break
        else:
            pytest.fail("the month's link cannot be reached with Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/statements/{customer.statement_token}/2025-06/")
        assert late.reference in page.get_by_test_id("rows").inner_text()
        assert "breached" in page.get_by_test_id("rows").inner_text()
        assert_accessible(page)
        page.screenshot(path=str(screenshot_dir / "customer-statement.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Signed JSON").click()
        data = Path(download.value.path()).read_bytes()
        assert statement_read(data, key=KEY).signed_ok is True
    finally:
        context.close()
    assert problems == []
