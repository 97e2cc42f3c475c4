import os
from datetime import time as clock_time
from datetime import timedelta

import pytest
from django.db import connection

from escalation.models import PolicyStep, SlaTarget
from support_desk.celery import app
from tests.factories import CustomerFactory, EngineerFactory, UserFactory
from tests.faults.harness import Processes, RedisServer
from tickets.models import Plan, Severity

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server):
    """Point this process's Celery app at the private Redis, so what the tests enqueue reaches the workers."""
    saved = app.conf.broker_url
    repoint(redis_server.url)
    yield redis_server
    repoint(saved)


def repoint(url: str) -> None:
    # The app reads Django settings with the CELERY_ namespace, so the namespaced key is the one to change;
    # the cached connection and producer pools are dropped so the next publish connects anew.
    app.conf.update(CELERY_BROKER_URL=url, CELERY_BROKER_WRITE_URL=None)
    app._pool = None
    app.amqp._producer_pool = None
    assert app.connection_for_write().as_uri().endswith(url.rsplit("@", 1)[-1].split("//", 1)[-1])


def process_env(database_url: str, redis_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        SECRET_KEY=env.get("SECRET_KEY") or "fault-suite-secret",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALARM_TICK_SECONDS="1",
        ROUTING_TICK_SECONDS="1",
        BREACH_SWEEP_INTERVAL_SECONDS="2",
        NOTIFICATION_BACKOFF_BASE_SECONDS="0.2",
        CONN_MAX_AGE="0",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def database_url_for_processes() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def procs(broker, transactional_db, tmp_path):
    processes = Processes(process_env(database_url_for_processes(), broker.url), tmp_path)
    yield processes
    processes.stop_all()


@pytest.fixture
def team(transactional_db):
    """Three engineers on shift around the clock, one of them on call, each with a phone."""
    every_day = list(range(7))
    return [
        EngineerFactory(
            user=UserFactory(username=name), phone=phone, shift_start=clock_time(0), shift_end=clock_time(0),
            workdays=every_day, capacity=1000, on_call=(name == "otto"),
        )
        for name, phone in (("aiko", "+81312345678"), ("lena", "+4930123456"), ("otto", "+4930999999"))
    ]  # fmt: skip


@pytest.fixture
def premium(transactional_db):
    return CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])


def fast_major_policy(first_response_seconds: int, step_delays=(0, 3, 6)) -> None:
    """Premium major tickets due in seconds, with steps a few seconds apart."""
    SlaTarget.objects.filter(plan=Plan.PREMIUM, severity=Severity.MAJOR).update(
        first_response=timedelta(seconds=first_response_seconds)
    )
    for number, delay in enumerate(step_delays, start=1):
        PolicyStep.objects.filter(policy__severity=Severity.MAJOR, number=number).update(
            delay=timedelta(seconds=delay)
        )
