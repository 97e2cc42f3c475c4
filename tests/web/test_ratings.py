"""The requester rates a resolution on the private page and from the resolution email."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support_desk.web.ratelimit import RATINGS_PER_TICKET_PER_HOUR
from tests.factories import NOW, UserFactory, make_ticket
from tests.mail import deliver_requester_mail
from tickets import services
from tickets.models import EventType, Rating, Score, Status

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW + 2 * HOUR, tick=False):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lena():
    return UserFactory(username="lena", first_name="Lena", last_name="Fischer")


def resolved_ticket(engineer):
    ticket = make_ticket(now=NOW, email="ana@viewer.example")
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Fixed the origin.", now=NOW)
    return services.ticket_change_status(
        ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW + HOUR
    )


def html(response) -> str:
    return response.content.decode()


def test_the_private_page_offers_the_rating_only_once_resolved(client, lena):
    ticket = make_ticket(now=NOW)
    assert 'data-testid="rating"' not in html(client.get(f"/t/{ticket.access_token}/"))
    ticket = resolved_ticket(lena)
    page = html(client.get(f"/t/{ticket.access_token}/"))
    assert 'data-testid="rating"' in page
    assert f'action="/t/{ticket.access_token}/rate/"' in page


def test_rating_on_the_page_records_it_and_says_thanks(client, lena):
    ticket = resolved_ticket(lena)
    response = client.post(f"/t/{ticket.access_token}/rate/", {"score": "good", "comment": "Quick, thanks"})
    assert response.status_code == 302 and response["Location"] == f"/t/{ticket.access_token}/"
    rating = Rating.objects.get()
    assert (rating.ticket, rating.cycle, rating.score, rating.comment) == (ticket, 1, "good", "Quick, thanks")
    page = html(client.get(response["Location"]))
    assert "Thank you for your rating." in page
    assert 'data-testid="rating-current"' in page and "Quick, thanks" in page


def test_the_email_link_shows_the_form_chosen_and_records_nothing_until_posted(client, lena, mailoutbox):
    ticket = resolved_ticket(lena)
    deliver_requester_mail(now=NOW + 2 * HOUR)
    [resolved] = [mail for mail in mailoutbox if "Resolved" in mail.subject]
    link = next(line for line in resolved.body.splitlines() if line.startswith("Bad: ")).removeprefix("Bad: ")
    assert link.endswith(f"/t/{ticket.access_token}/rate/?score=bad")
    assert f"/t/{ticket.access_token}/rate/?score=good" in resolved.body
    path = link[link.index("/t/") :]

    for _ in range(2):  # a mail scanner, then the person
        response = client.get(path)
        assert response.status_code == 200
    assert not Rating.objects.exists() and not ticket.events.filter(type=EventType.RATED).exists()
    [bad] = re.findall(r'<input[^>]*value="bad"[^>]*>', html(response))
    [good] = re.findall(r'<input[^>]*value="good"[^>]*>', html(response))
    assert "checked" in bad and "checked" not in good
    assert response["X-Robots-Tag"] == "noindex, nofollow"

    client.post(path, {"score": "bad", "comment": "It broke again the next day."})
    assert Rating.objects.get().score == Score.BAD


def test_other_emails_carry_no_rating_link(client, lena, mailoutbox):
    ticket = make_ticket(now=NOW)
    services.ticket_assign(ticket=ticket, assignee=lena, actor=lena, now=NOW)
    services.ticket_reply(ticket=ticket, author=lena, body="Which player?", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=lena, now=NOW)
    deliver_requester_mail(now=NOW)
    assert mailoutbox and not any("/rate/" in mail.body for mail in mailoutbox)


def test_an_unresolved_ticket_is_refused_with_words(client, lena):
    ticket = make_ticket(now=NOW)
    shown = client.get(f"/t/{ticket.access_token}/rate/?score=good")
    assert shown.status_code == 200 and "not resolved yet" in html(shown)
    assert "<form" not in html(shown).split('data-testid="rating-refused"')[1]
    refused = client.post(f"/t/{ticket.access_token}/rate/", {"score": "good"})
    assert refused.status_code == 409 and "not resolved yet" in html(refused)
    assert not Rating.objects.exists()


def test_a_rating_after_the_week_is_refused_with_words(client, lena):
    ticket = resolved_ticket(lena)
    client.post(f"/t/{ticket.access_token}/rate/", {"score": "good"})
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        refused = client.post(f"/t/{ticket.access_token}/rate/", {"score": "bad"})
    assert refused.status_code == 409 and "can be changed for 7 days only" in html(refused)
    assert Rating.objects.get().score == Score.GOOD


def test_a_missing_score_is_a_400_next_to_the_field(client, lena):
    ticket = resolved_ticket(lena)
    response = client.post(f"/t/{ticket.access_token}/rate/", {"comment": "hm"})
    assert response.status_code == 400 and "Choose good or bad." in html(response)


def test_a_wrong_token_is_a_404(client, lena):
    resolved_ticket(lena)
    wrong = "x" * 43
    assert client.get(f"/t/{wrong}/rate/?score=good").status_code == 404
    assert client.post(f"/t/{wrong}/rate/", {"score": "good"}).status_code == 404
    assert client.get("/t/short/rate/").status_code == 404
    assert not Rating.objects.exists()


def test_ratings_are_limited_per_ticket(client, lena):
    ticket = resolved_ticket(lena)
    for n in range(RATINGS_PER_TICKET_PER_HOUR):
        score = ("good", "bad")[n % 2]
        assert client.post(f"/t/{ticket.access_token}/rate/", {"score": score}).status_code == 302
    limited = client.post(f"/t/{ticket.access_token}/rate/", {"score": "good"})
    assert limited.status_code == 429 and "many times in the last hour" in html(limited)
    assert Rating.objects.get().score == "bad"  # the tenth; the eleventh was not recorded
    with time_machine.travel(NOW + 3 * HOUR, tick=False):  # the next window
        assert client.post(f"/t/{ticket.access_token}/rate/", {"score": "good"}).status_code == 302


def test_the_engineer_sees_the_rating_on_the_timeline(client, lena):
    ticket = resolved_ticket(lena)
    client.post(f"/t/{ticket.access_token}/rate/", {"score": "bad", "comment": "Slow"})
    lena.is_staff = True
    lena.save()
    client.force_login(lena)
    page = html(client.get(f"/tickets/{ticket.reference}/"))
    assert "The customer rated resolution 1: bad" in page and "Slow" in page


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_customer_page_and_the_form_run_the_same_queries_with_or_without_ratings(client, lena):
    quiet = resolved_ticket(lena)
    busy = resolved_ticket(lena)
    client.post(f"/t/{busy.access_token}/rate/", {"score": "good", "comment": "ok"})
    services.ticket_reply(ticket=busy, author=None, body="Back again", now=NOW + 2 * HOUR)
    services.ticket_change_status(ticket=busy, status=Status.RESOLVED, actor=lena, now=NOW + 2 * HOUR)
    client.post(f"/t/{busy.access_token}/rate/", {"score": "bad", "comment": "twice"})
    assert busy.ratings.count() == 2
    for path in ("/t/{}/", "/t/{}/rate/"):
        client.get(path.format(quiet.access_token))  # warm
        assert _count(client, path.format(quiet.access_token)) == _count(
            client, path.format(busy.access_token)
        )


def test_after_the_week_the_page_shows_the_rating_without_a_form(client, lena):
    ticket = resolved_ticket(lena)
    client.post(f"/t/{ticket.access_token}/rate/", {"score": "good", "comment": "Great"})
    page = html(client.get(f"/t/{ticket.access_token}/"))
    assert f'action="/t/{ticket.access_token}/rate/"' in page and "You can change your rating" in page
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        for path in ("/t/{}/", "/t/{}/rate/"):
            page = html(client.get(path.format(ticket.access_token)))
            assert 'data-testid="rating-current"' in page and "Great" in page
            assert f'action="/t/{ticket.access_token}/rate/"' not in page
            assert "can be changed for 7 days only" in page
