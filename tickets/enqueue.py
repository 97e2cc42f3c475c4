"""The seam between the ticket services and the worker: every task `tickets` hands to the broker goes here.

Tasks are sent by name, so neither this module nor the services that call it import `tickets.tasks`:
the tasks import the services, never the reverse (the import contract in pyproject.toml). A message
sent by name is the one `task.delay()` sends: the same name, arguments and options, routed by
CELERY_TASK_ROUTES (tests/tickets/test_enqueue.py checks both against the worker's tasks).

These functions send at once. The services call them once their transaction commits
(`transaction.on_commit`), or from a task, which runs outside any transaction.

Sending straight to the queue (issue 13): on a Redis broker (plain or through Sentinel), a task sent
without options from outside a worker task (what filing sends: routing and the confirmation email) is
built by Celery's own `create_task_message` and routed by its router, wrapped in the envelope kombu's
Redis transport puts on the queue, and pushed with one LPUSH on a Redis client the process keeps
(`tickets/redis_connection.py`), instead of through kombu's producer pool, which builds a new Redis
client for every message. The message is the one `app.send_task` sends (tests/tickets/test_enqueue.py
and tests/escalation/test_enqueue.py compare them). Anything else (an ETA, a worker task's child,
publish signal receivers, compression, other transport options or TLS settings, another broker) goes
through `app.send_task`.
"""

import base64
import logging
from collections.abc import Iterable

import redis
from celery import current_app, signals
from kombu.serialization import dumps as serialize
from kombu.utils.json import dumps as json_dumps
from kombu.utils.uuid import uuid
from redis.backoff import NoBackoff
from redis.retry import Retry

from tickets.redis_connection import is_redis_url, redis_client

logger = logging.getLogger(__name__)

DELIVERY_MODES = {"transient": 1, "persistent": 2}
# transport options that do not change a publish (`master_name`: which master a Sentinel URL means)
DIRECT_TRANSPORT_OPTIONS = {"visibility_timeout", "master_name"}
_clients: dict[tuple[str, str], redis.Redis] = {}

SEND_REQUESTER_NOTIFICATION = "tickets.tasks.send_requester_notification"


def send_task(name: str, args: tuple = (), **options) -> None:
    """Send task `name` as `task.apply_async(args, **options)` would; raises when the broker is away.

    The options a task sets on itself are not known here: tasks sent by name set none but their
    retry policy, which only the worker reads."""
    app = current_app
    if not options and _direct(app):
        queue, message = _envelope(app, name, args)
        if queue is not None:
            _client(app).lpush(queue, json_dumps(message))
            return
    app.send_task(name, args, ignore_result=app.conf.task_ignore_result, **options)


def _direct(app) -> bool:
    conf = app.conf
    return (
        is_redis_url(conf.broker_url)
        and set(conf.broker_transport_options or {}) <= DIRECT_TRANSPORT_OPTIONS
        and not conf.broker_use_ssl
        and not conf.task_send_sent_event
        and not conf.task_compression
        and not signals.before_task_publish.receivers
        and not signals.after_task_publish.receivers
        and app.current_worker_task is None
    )


def _client(app) -> redis.Redis:
    """The process's Redis client for the broker, plain or the Sentinel master (redis-py's pool reconnects
    after a fork, and after a failover asks the sentinels again). One retry at once and the broker's
    connect timeout, as the publish retry policy in settings."""
    url = str(app.conf.broker_url)
    master_name = (app.conf.broker_transport_options or {}).get("master_name", "")
    client = _clients.get((url, master_name))
    if client is None:
        timeout = app.conf.broker_connection_timeout
        client = redis_client(
            url,
            master_name=master_name,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
        )
        _clients[(url, master_name)] = client
    return client


def broker_answers() -> bool | None:
    """Whether the Redis broker answers a PING now (within the broker's connect timeout); None when the
    broker is not Redis (the file-system broker of a bare `make run`)."""
    app = current_app
    if not is_redis_url(str(app.conf.broker_url)):
        return None
    try:
        return bool(_client(app).ping())
    except redis.RedisError:
        return False


def _envelope(app, name: str, args: tuple) -> tuple[str | None, dict]:
    """(queue, message) as kombu's Redis transport would LPUSH them for `app.send_task(name, args)`;
    (None, {}) when the route is not a plain queue on a direct exchange."""
    route = app.amqp.router.route({}, name, args, None)
    queue = route.get("queue")
    if set(route) != {"queue"} or queue is None or queue.exchange.type != "direct":
        return None, {}
    task_id = uuid()
    headers, properties, body, _ = app.amqp.create_task_message(
        task_id, name, args, None, reply_to=app.thread_oid, ignore_result=app.conf.task_ignore_result
    )
    content_type, content_encoding, data = serialize(body, serializer=app.conf.task_serializer)
    if isinstance(data, str):
        data = data.encode(content_encoding or "utf-8")
    mode = queue.exchange.delivery_mode or app.conf.task_default_delivery_mode
    properties.update(
        delivery_mode=DELIVERY_MODES.get(mode, mode),
        delivery_info={"exchange": "", "routing_key": queue.name},
        priority=0,
        body_encoding="base64",
        delivery_tag=uuid(),
    )
    message = {
        "body": base64.b64encode(data).decode(),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": headers,
        "properties": properties,
    }
    return queue.name, message


def send_requester_notifications(notification_ids: Iterable[int]) -> None:
    for notification_id in notification_ids:
        try:
            send_task(SEND_REQUESTER_NOTIFICATION, (notification_id,))
        except Exception as exc:
            # The broker is away: the sweep re-sends queued rows that sat too long.
            logger.warning(
                "could not enqueue requester notification %s (%s); it will be re-sent", notification_id, exc
            )
