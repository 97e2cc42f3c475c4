"""The enqueue seam sends by name the very message `task.delay()` sends, routed to the same queue.

Messages are read back from the test Redis broker (no worker runs here): the seam and the task's own
`delay()` must put the same headers, body and delivery info on the same queue, ids aside.
"""

import base64
import json

import pytest
import redis
from django.conf import settings

from tickets import enqueue, tasks

BROKER_IDS = {"headers": ("id", "root_id"), "properties": ("correlation_id", "delivery_tag")}


@pytest.fixture
def broker():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "these tests read the Redis broker (make test)"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def taken(broker, queue: str) -> list[dict]:
    """The messages waiting on `queue`, oldest first, without the ids that differ between two sends."""
    messages = []
    for raw in reversed(broker.lrange(queue, 0, -1)):
        message = json.loads(raw)
        for part, keys in BROKER_IDS.items():
            for key in keys:
                message[part].pop(key)
        message["body"] = json.loads(base64.b64decode(message["body"]))
        messages.append(message)
    broker.delete(queue)
    return messages


def test_a_requester_notification_goes_to_the_mail_queue_as_delay_sends_it(broker):
    enqueue.send_requester_notifications([41, 42])
    by_name = taken(broker, "mail")
    tasks.send_requester_notification.delay(41)
    tasks.send_requester_notification.delay(42)
    by_task = taken(broker, "mail")

    assert len(by_name) == 2 and by_name == by_task
    assert [m["headers"]["task"] for m in by_name] == [enqueue.SEND_REQUESTER_NOTIFICATION] * 2
    assert [m["body"][0] for m in by_name] == [[41], [42]]
    assert by_name[0]["headers"]["ignore_result"] is True
    assert by_name[0]["properties"]["delivery_info"]["routing_key"] == "mail"
    assert broker.llen("celery") == 0  # nothing for the escalation workers
