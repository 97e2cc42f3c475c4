"""The one way Support Desk opens a Redis client of its own: to a plain Redis (`redis://`, `rediss://`) or
to the master that Redis Sentinel names (`sentinel://`).

Celery's broker connects through kombu, which reads the same URLs (its `sentinel` transport, with
`master_name` in the broker's transport options). Everything else that talks to Redis goes through
`redis_client` here: the enqueue fast path (`tickets/enqueue.py`) and Django's cache
(`settings.CACHES`, through `ClientPool`), which in turn holds the rate limits and throttles. It sits in
the lowest app so that every layer, and the settings, may import it; it imports nothing of the project.

A Sentinel URL is kombu's: one `sentinel://[:password@]host:port/db` per sentinel, joined by `;`, each
with the master's database number (and password, when the master has one). With Sentinel the client
asks the sentinels for the current master on connect and again after a failover (redis-py's
`SentinelConnectionPool`), so a promoted replica is followed without a restart.
"""

from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel

SENTINEL_PREFIX = "sentinel://"
REDIS_URL_PREFIXES = ("redis://", "rediss://", SENTINEL_PREFIX)
DEFAULT_SENTINEL_PORT = 26379


def is_redis_url(url: str) -> bool:
    """Whether `url` names a Redis (plain or through Sentinel) rather than another kind of broker."""
    return str(url).startswith(REDIS_URL_PREFIXES)


def sentinel_url(redis_url: str, sentinels: list[str]) -> str:
    """kombu's Sentinel URL for the sentinels at `sentinels` ("host:port", or "host" for port 26379),
    carrying `redis_url`'s database number and password (its host and port are the sentinels' to say)."""
    if not sentinels:
        raise ValueError("Name at least one sentinel, as host:port.")
    parts = urlsplit(redis_url)
    db = parts.path.strip("/") or "0"
    auth = f"{parts.username or ''}:{parts.password}@" if parts.password else ""
    addresses = [s.strip() if ":" in s else f"{s.strip()}:{DEFAULT_SENTINEL_PORT}" for s in sentinels]
    return ";".join(f"{SENTINEL_PREFIX}{auth}{address}/{db}" for address in addresses)


def with_db(url: str, db: int) -> str:
    """`url` (plain or Sentinel) naming database `db` instead of its own."""
    return ";".join(
        urlsplit(part)._replace(path=f"/{db}", query="", fragment="").geturl() for part in url.split(";")
    )


def url_db(url: str) -> int:
    """The database number `url` names (0 when it names none)."""
    return int(urlsplit(url.split(";")[0]).path.strip("/") or 0)


def redis_client(url: str, *, master_name: str = "", **options) -> redis.Redis:
    """A client for `url`: `redis.Redis.from_url` for a plain Redis; for a `sentinel://` URL, the master
    `master_name` as the sentinels report it (`Sentinel.master_for`). `options` are redis-py's
    connection options (timeouts, retry, ...); the socket ones apply to the sentinels too."""
    if not url.startswith(SENTINEL_PREFIX):
        return redis.Redis.from_url(url, **options)
    if not master_name:
        raise ValueError("A sentinel:// URL needs the master's name (REDIS_SENTINEL_MASTER).")
    sentinels = []
    for part in url.split(";"):
        parsed = urlsplit(part)
        sentinels.append((parsed.hostname, parsed.port or DEFAULT_SENTINEL_PORT))
    first = urlsplit(url.split(";")[0])
    password = unquote(first.password) if first.password else None
    username = unquote(first.username) if first.username else None
    socket_options = {key: value for key, value in options.items() if key.startswith("socket_")}
    manager = Sentinel(sentinels, sentinel_kwargs=socket_options)
    return manager.master_for(master_name, db=url_db(url), username=username, password=password, **options)


class ClientPool:
    """For Django's Redis cache (`OPTIONS["pool_class"]`): the connection pool of `redis_client`'s client,
    so the cache follows the Sentinel master as the broker does. `master_name` comes from `OPTIONS`.
    (Give the cache its `LOCATION` as a one-item list: Django splits a string at `;`.)"""

    @classmethod
    def from_url(cls, url: str, *, master_name: str = "", **options) -> redis.ConnectionPool:
        return redis_client(url, master_name=master_name, **options).connection_pool
