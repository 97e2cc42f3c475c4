"""Redis Sentinel (docs/deploy.md, "Redis"), against a real sentinel (the `redis_sentinel` fixture, which
monitors the test Redis): the settings that REDIS_SENTINELS and REDIS_SENTINEL_MASTER produce, the one
client helper, Django's cache, the enqueue fast path, kombu's `sentinel` transport and a real worker."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from kombu import Connection, Exchange, Queue
from redis.sentinel import MasterNotFoundError, SentinelConnectionPool

from escalation.sla import integrity
from tests.conftest import sentinel_master_address, stop_process
from tests.tickets.test_enqueue import taken
from tickets.redis_connection import redis_client, sentinel_url, url_db, with_db

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))


def _plain_url() -> str:
    """The test Redis database (REDIS_URL of `make test`), as a plain URL."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "these tests read the Redis broker (make test)"
    return settings.CELERY_BROKER_URL


@pytest.fixture
def plain():
    """A plain client on the test broker database: what the sentinel's master really holds."""
    client = redis.Redis.from_url(_plain_url())
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def sentinel_env(redis_sentinel, **extra) -> dict:
    return dict(
        os.environ,
        REDIS_URL=_plain_url(),
        REDIS_SENTINELS=f"{redis_sentinel.address},127.0.0.1:1",  # a second one that is down
        REDIS_SENTINEL_MASTER=redis_sentinel.master_name,
        **extra,
    )


def run_with_sentinel_settings(redis_sentinel, code: str) -> dict:
    """Run `code` in a fresh process whose settings come from the Sentinel variables; its last line of
    output is JSON."""
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=sentinel_env(redis_sentinel, DJANGO_SETTINGS_MODULE="support_desk.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the pure parts ----------------------------------------------------------------------------------


def test_sentinel_urls_carry_the_database_and_password_of_redis_url():
    url = sentinel_url("redis://:s3cret@old-primary:6379/13", ["10.0.0.1:26379", "10.0.0.2"])
    assert url == "sentinel://:s3cret@10.0.0.1:26379/13;sentinel://:s3cret@10.0.0.2:26379/13"
    assert url_db(url) == 13
    assert with_db(url, 14) == "sentinel://:s3cret@10.0.0.1:26379/14;sentinel://:s3cret@10.0.0.2:26379/14"
    assert sentinel_url("redis:///0", ["h:1"]) == "sentinel://h:1/0"
    kombu = Connection(url, transport_options={"master_name": "m"})  # kombu reads it as we wrote it
    assert (kombu.transport_cls, kombu.virtual_host, kombu.password) == ("sentinel", "13", "s3cret")
    assert kombu.alt == url.split(";")


def test_sentinels_without_a_master_name_refuse_to_start():
    env = dict(os.environ, REDIS_SENTINELS="127.0.0.1:26379", REDIS_SENTINEL_MASTER="")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "REDIS_SENTINEL_MASTER" in result.stderr


# --- against the real sentinel ---------------------------------------------------------------------


def test_the_settings_resolve_the_master_through_the_sentinel(redis_sentinel, plain):
    db = url_db(_plain_url())
    seen = run_with_sentinel_settings(
        redis_sentinel,
        """
import json
from django.conf import settings
from django.db import connection
from django.core.cache import cache
from redis.sentinel import Sentinel
from escalation.sla import integrity
from tickets.redis_connection import redis_client

options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
client = redis_client(settings.CELERY_BROKER_URL, master_name=options["master_name"])
cache.set("sentinel-probe", "through the sentinel", timeout=60)
sentinels = [p.split("//")[1].split("/")[0].split(":") for p in settings.CELERY_BROKER_URL.split(";")]
master = Sentinel([(h, int(p)) for h, p in sentinels]).discover_master(options["master_name"])
print(json.dumps({
    "broker": settings.CELERY_BROKER_URL,
    "options": options,
    "cache": settings.CACHES["default"],
    "master": master,
    "pool": type(client.connection_pool).__name__,
    "ping": client.ping(),
    "cache_read": cache.get("sentinel-probe"),
}))
""",
    )
    address = redis_sentinel.address
    assert seen["broker"] == f"sentinel://{address}/{db};sentinel://127.0.0.1:1/{db}"
    assert seen["options"] == {"visibility_timeout": 600.0, "master_name": redis_sentinel.master_name}
    assert seen["cache"]["LOCATION"] == [f"sentinel://{address}/{db + 1};sentinel://127.0.0.1:1/{db + 1}"]
    assert seen["cache"]["OPTIONS"]["master_name"] == redis_sentinel.master_name
    assert seen["master"] == ["127.0.0.1", 6379]
    assert (seen["pool"], seen["ping"]) == ("SentinelConnectionPool", True)
    assert seen["cache_read"] == "through the sentinel"
    # The cache wrote to the master the sentinel named, in the database after the broker's.
    cache_db = redis.Redis.from_url(with_db(_plain_url(), db + 1))
    try:
        assert cache_db.get("sd:1:sentinel-probe") is not None
    finally:
        cache_db.delete("sd:1:sentinel-probe")
        cache_db.close()


def test_the_helper_sets_and_gets_through_the_sentinel(redis_sentinel, plain):
    url = sentinel_url(_plain_url(), [redis_sentinel.address])
    client = redis_client(url, master_name=redis_sentinel.master_name, socket_timeout=2)
    assert isinstance(client.connection_pool, SentinelConnectionPool)
    client.set("sentinel-key", "kept by the master")
    assert client.get("sentinel-key") == b"kept by the master"
    assert plain.get("sentinel-key") == b"kept by the master"  # the very database of the master
    assert client.connection_pool.get_master_address() == ("127.0.0.1", 6379)
    client.close()

    unknown = redis_client(url, master_name="no-such-master", socket_timeout=2)
    with pytest.raises(MasterNotFoundError):
        unknown.ping()  # it asks the sentinel; it never falls back to a host of its own
    with pytest.raises(ValueError, match="REDIS_SENTINEL_MASTER"):
        redis_client(url)


def test_kombu_publishes_and_consumes_through_the_sentinel_transport(redis_sentinel, plain):
    url = sentinel_url(_plain_url(), [redis_sentinel.address])
    queue = Queue("sentinel-test", Exchange("sentinel-test", type="direct"), routing_key="sentinel-test")
    with Connection(url, transport_options={"master_name": redis_sentinel.master_name}) as connection:
        assert connection.transport_cls == "sentinel"
        with connection.SimpleQueue(queue) as simple:
            simple.put({"ticket": 41})
            assert plain.llen("sentinel-test") == 1  # it went to the master's database
            message = simple.get(timeout=5)
            message.ack()
    assert message.payload == {"ticket": 41}
    assert plain.llen("sentinel-test") == 0


def test_the_enqueue_fast_path_sends_through_the_sentinel_what_celery_sends(redis_sentinel, plain):
    """Under the Sentinel settings, the seam's one LPUSH (on the helper's client) and the task's own
    `delay()` (kombu's sentinel transport) put the same message on the same queue of the master."""
    seen = run_with_sentinel_settings(
        redis_sentinel,
        """
import json
from tickets import enqueue, tasks
enqueue.send_requester_notifications([41])
tasks.send_requester_notification.delay(41)
client = enqueue._client(tasks.send_requester_notification.app)
print(json.dumps({"pool": type(client.connection_pool).__name__}))
""",
    )
    assert seen["pool"] == "SentinelConnectionPool"
    by_name, by_task = taken(plain, "mail")
    assert by_name == by_task
    assert by_name["headers"]["task"] == "tickets.tasks.send_requester_notification"
    assert by_name["body"][0] == [41]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_answers_and_runs_a_task_through_the_sentinel(redis_sentinel, plain, tmp_path):
    """The project's worker, started with the Sentinel variables, answers a ping (the broadcast and its
    reply go through the sentinel transport's fanout and reply queue) and runs a task of ours sent to its
    queue: the ledger check, which keeps its result in the cache, the Sentinel master's too."""
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    cache_db = redis.Redis.from_url(with_db(_plain_url(), url_db(_plain_url()) + 1))
    cache_db.delete(f"sd:1:{integrity.CACHE_KEY}")
    name = f"sentinel-{uuid.uuid4().hex[:8]}@localhost"
    queue = f"sentinel-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [CELERY, "-A", "support_desk", "worker", "--pool", "solo", "-Q", queue, "-n", name,
         "--loglevel", "INFO", "--logfile", str(log), "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=sentinel_env(redis_sentinel, DATABASE_URL=database_url),
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    probe = Celery(
        "probe",
        set_as_current=False,  # the project app stays current for the tests after this one
        broker=sentinel_url(_plain_url(), [redis_sentinel.address]),
        broker_transport_options={"master_name": redis_sentinel.master_name},
        task_ignore_result=True,
    )
    try:
        deadline = time.monotonic() + 60
        replies = []
        while not replies and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text() if log.exists() else "the worker exited"
            replies = probe.control.ping(destination=[name], timeout=1)
        assert replies == [{name: {"ok": "pong"}}], log.read_text() if log.exists() else "no log"

        task = probe.send_task("escalation.tasks.verify_ledger_chain", queue=queue)
        while time.monotonic() < deadline:
            if f"escalation.tasks.verify_ledger_chain[{task.id}] succeeded" in log.read_text():
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
        else:
            pytest.fail(f"the worker did not run the task within 60 s:\n{log.read_text()}")
        assert cache_db.get(f"sd:1:{integrity.CACHE_KEY}") is not None  # kept through the sentinel
        assert plain.llen(queue) == 0
    finally:
        cache_db.delete(f"sd:1:{integrity.CACHE_KEY}")
        cache_db.close()
        probe.close()
        stop_process(worker, grace=20)


# --- a failover -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if value := predicate():
                return value
        except redis.RedisError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} not within {seconds} s", pytrace=False)


@pytest.fixture
def replicated(tmp_path):
    """A private Redis master with one replica and a sentinel watching them (down after 1 s), so that
    killing the master makes the sentinel promote the replica."""
    master_port, replica_port, sentinel_port = _free_port(), _free_port(), _free_port()
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install -y redis-server)", pytrace=False)
    plain = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    processes = {
        "master": subprocess.Popen([server, "--port", str(master_port), *plain], stdout=subprocess.DEVNULL),
        "replica": subprocess.Popen(
            [server, "--port", str(replica_port), "--replicaof", "127.0.0.1", str(master_port), *plain],
            stdout=subprocess.DEVNULL,
        ),
    }
    try:
        replica = redis.Redis(port=replica_port, socket_timeout=1)
        _wait(lambda: replica.info("replication").get("master_link_status") == "up", 15, "replica in sync")
        config = tmp_path / "sentinel.conf"
        config.write_text(
            f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\nlogfile {tmp_path / 'sentinel.log'}\n"
            f"sentinel monitor failover 127.0.0.1 {master_port} 1\n"
            "sentinel down-after-milliseconds failover 1000\nsentinel failover-timeout failover 5000\n"
        )
        sentinel_argv = [server, str(config), "--sentinel"]
        processes["sentinel"] = subprocess.Popen(sentinel_argv, stdout=subprocess.DEVNULL)
        sentinel = redis.Redis(port=sentinel_port, socket_timeout=1, decode_responses=True)
        _wait(lambda: sentinel.sentinel_slaves("failover"), 15, "the sentinel sees the replica")
        yield {
            "url": f"sentinel://127.0.0.1:{sentinel_port}/0",
            "master": processes["master"],
            "master_port": master_port,
            "replica_port": replica_port,
            "sentinel": sentinel,
            "log": tmp_path / "sentinel.log",
        }
    finally:
        for process in processes.values():
            process.kill()
            process.wait()


def test_the_helper_follows_a_failover_without_a_new_client(replicated):
    client = redis_client(replicated["url"], master_name="failover", socket_timeout=1)
    client.set("promise", "kept")
    assert client.connection_pool.get_master_address() == ("127.0.0.1", replicated["master_port"])
    replica = redis.Redis(port=replicated["replica_port"], socket_timeout=1)
    _wait(lambda: replica.get("promise") == b"kept", 10, "the write replicated")

    replicated["master"].kill()  # the primary dies
    replicated["master"].wait()
    promoted = ("127.0.0.1", replicated["replica_port"])
    _wait(
        lambda: sentinel_master_address(replicated["sentinel"], "failover") == promoted,
        30,
        f"the sentinel promoting the replica ({replicated['log']})",
    )
    # The same client: its next commands find the new master through the sentinel.
    _wait(lambda: client.set("after", "failover"), 10, "a write on the promoted master")
    assert client.get("promise") == b"kept"
    assert replica.get("after") == b"failover"
    assert client.connection_pool.get_master_address() == ("127.0.0.1", replicated["replica_port"])
    client.close()
    replica.close()
