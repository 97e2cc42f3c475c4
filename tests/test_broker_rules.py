"""The broker's rules (issue 20): no ETA outlives the visibility timeout, `manage.py check` refuses one
that does, retries wait at most the backoff cap whatever Twilio's Retry-After, and the worker uses the
consumer that reconnects every BROKER_RECONNECT_SECONDS (measured in tests/faults/test_broker_recovery.py)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from escalation.checks import check_visibility_timeout, longest_eta_seconds
from escalation.paging.channels import RateLimited
from escalation.paging.services.notifications import BACKOFF_CAP_SECONDS, retry_countdown
from support_desk.celery import app


def test_the_visibility_timeout_outlasts_every_eta_by_default():
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 600
    assert longest_eta_seconds() == 300
    assert check_visibility_timeout() == []


def test_check_refuses_a_visibility_timeout_an_eta_outlives(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 120}
    [error] = check_visibility_timeout()
    assert error.id == "support_desk.E001" and "120 s" in error.msg and "300 s" in error.msg
    try:
        call_command("check")
    except SystemCheckError as exc:
        assert "support_desk.E001" in str(exc)
    else:
        raise AssertionError("manage.py check passed with a visibility timeout below the longest ETA")


def test_a_long_retry_after_is_waited_out_in_capped_retries():
    assert retry_countdown(RateLimited("429", retry_after=3600), retries=1) == BACKOFF_CAP_SECONDS
    assert 5 <= retry_countdown(RateLimited("429", retry_after=5), retries=1) <= 5.5


def test_the_worker_reconnects_with_the_prompt_consumer():
    assert app.conf.worker_consumer == "support_desk.celery:PromptConsumer"
    assert settings.BROKER_RECONNECT_SECONDS == 1.0
