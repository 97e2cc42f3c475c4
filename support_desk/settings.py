"""Settings for Support Desk, read from the environment only.

Development works with no environment at all (SQLite file, Redis on localhost when one answers,
otherwise a file-system broker); production sets DATABASE_URL, REDIS_URL, SECRET_KEY,
ALLOWED_HOSTS and DEBUG=0. See README.md, "Configuration".
"""

import secrets
import socket
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from tickets.redis_connection import SENTINEL_PREFIX, is_redis_url, sentinel_url, url_db, with_db

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state: SQLite file, embedded broker, beat schedule, dev secret
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)


def _development_secret_key() -> str:
    """A random key kept in var/ so development sessions survive restarts; never used in production."""
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",  # Content-Security-Policy (django-csp 4): its system checks catch a policy in the old 3.x settings
    "axes",  # before escalation: the managers group's grant (post_migrate) needs axes's permissions made
    "rest_framework",
    "knox",  # API tokens: hashed at rest, with an expiry (django-rest-knox)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "timezone_field",
    "phonenumber_field",
    "tickets.apps.TicketsConfig",
    "escalation.apps.EscalationConfig",
    "privacy.apps.PrivacyConfig",
    "support_desk.web.apps.WebConfig",
    "support_desk.inbound.apps.InboundConfig",  # email in (issue 17): the mailbox reader's task
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (CONTENT_SECURITY_POLICY and
    # PERMISSIONS_POLICY below), the static files whitenoise serves included.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LocaleMiddleware, told the engineers' pages stay in English unless the engineer chose
    # (support_desk/web/language.py); after authentication, since it asks who is signed in.
    "support_desk.web.language.DeskLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused by the lockout into its 429 answer (support_desk/web/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "support_desk.urls"
WSGI_APPLICATION = "support_desk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "support_desk.web.navigation.navigation",
            ],
            "libraries": {"desk_time": "support_desk.web.time_filters"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# Prepared statements: with server-side binding psycopg prepares a statement after it ran
# DB_PREPARE_THRESHOLD times on a connection, and PostgreSQL parses and plans it once per connection
# instead of every time (a third of PostgreSQL's time filing a ticket). Behind PgBouncer in transaction
# mode this needs PgBouncer >= 1.21 with max_prepared_statements > 0; older poolers: set it to 0.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DB_PREPARED_STATEMENTS", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": env.int("DB_PREPARE_THRESHOLD", default=5)}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute-force protection (django-axes; support_desk/web/lockout.py): every failed authenticate() (the
# login page, the admin's, the API token endpoint) counts against the username typed and against the
# client address (the API throttles' address: API_NUM_PROXIES). LOGIN_FAILURE_LIMIT failures against
# either within LOGIN_LOCKOUT_MINUTES refuse every login for it, the right password included, until
# LOGIN_LOCKOUT_MINUTES after the last failure, or until a manager deletes its access attempts in the
# admin. A successful login clears its username's failures. Counts are rows in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username or address
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one trips the lockout on its own
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "support_desk.lockout.client_address"
AXES_USERNAME_CALLABLE = "support_desk.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "support_desk.lockout.lockout_response"
# Attempts while locked out are refused without being counted: the lockout ends when it said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Our own reset (by username only, lockout.lockout_reset_for_username); Axes's would clear the address too.
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # no row per successful login (last_login says when)
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/queue/"
LOGOUT_REDIRECT_URL = "/"

# --- Internationalisation and time ----------------------------------------------------------------

# English by default (the engineers' pages stay in it unless an engineer chooses another); the customer's
# pages and emails speak each of LANGUAGES (support_desk/web/language.py decides which, per request and
# per email). The catalogs are locale/<code>/LC_MESSAGES/django.po in the repository; the .mo files are
# compiled from them by `make install` (python -m support_desk.catalogs, Babel: no GNU gettext needed).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("ja", "日本語"),
    ("ar", "العربية"),
]
# The languages an engineer's pages can be shown in (the header's switcher offers only these).
DESK_LANGUAGES = ["en", "zh-hans"]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "sd_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded attachments: private files, served through a view that checks who may read the ticket.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security -------------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): the browser runs and styles only what our own origin serves.
# No inline <script>, <style>, style="..." or on...= handler anywhere (tests/security/test_csp.py
# checks every page); the only exception is the Redoc page, whose library injects its own <style>
# elements (support_desk/api/urls.py widens style-src there, for that page alone). Images: our own
# and data: URIs (the admin's and Swagger UI's icons). Nothing may frame a page (frame-ancestors, the
# header twin of X_FRAME_OPTIONS), and forms post only to this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Permissions-Policy (django-permissions-policy): no page of ours uses a powerful browser feature, so
# none may, neither ours nor anything framed in it.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576  # 1 MiB request bodies at most

# --- Email ----------------------------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support-desk@localhost")
# The file backend (`make run`'s): one file per message here, links intact (the logs redact them).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# The SMTP backend (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend): where and how to connect.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds every SMTP operation may block a worker; a timeout is retried with backoff.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)

# --- Email in and out (issue 17; docs/decisions.md "Email in and out") -------------------------------
# The address replies go to, plus-addressed per ticket and signed (support+SD-1042.<hmac>@desk.example):
# unset, emails carry no Reply-To and only headers and subjects thread replies.
MAIL_REPLY_ADDRESS = env.str("MAIL_REPLY_ADDRESS", default="")
# The mailbox the worker reads (imaps://user:password@host:993/INBOX; imap:// only on a trusted network).
# Unset: inbound mail is off, and /healthz?detail=1 says so.
MAIL_INBOX_URL = env.str("MAIL_INBOX_URL", default="")
# Where a handled message goes; empty: it stays in the folder, marked \Seen.
MAIL_PROCESSED_FOLDER = env.str("MAIL_PROCESSED_FOLDER", default="")
MAIL_POLL_SECONDS = env.float("MAIL_POLL_SECONDS", default=30.0)
MAIL_IMAP_TIMEOUT = env.float("MAIL_IMAP_TIMEOUT", default=10.0)
# A mailbox that fails is tried again after 30 s, 60 s, 120 s ... at most MAIL_RETRY_CAP_SECONDS.
MAIL_RETRY_BASE_SECONDS = env.float("MAIL_RETRY_BASE_SECONDS", default=30.0)
MAIL_RETRY_CAP_SECONDS = env.float("MAIL_RETRY_CAP_SECONDS", default=900.0)
MAIL_MAX_BYTES = env.int("MAIL_MAX_BYTES", default=25 * 1024 * 1024)  # larger: quarantined
MAIL_SENDER_LIMIT_PER_HOUR = env.int("MAIL_SENDER_LIMIT_PER_HOUR", default=20)  # more: quarantined
MAIL_BATCH_SIZE = env.int("MAIL_BATCH_SIZE", default=50)  # messages one poll handles at most
# Other addresses of ours whose mail is never processed (a loop), besides DEFAULT_FROM_EMAIL and
# MAIL_REPLY_ADDRESS: comma-separated.
MAIL_OWN_ADDRESSES = env.list("MAIL_OWN_ADDRESSES", default=[])
# Inbound email by a provider's webhook (django-anymail), for a deployment without IMAP: /anymail/<esp>/
# inbound/ is mounted when on. ANYMAIL_WEBHOOK_SECRET ("user:password") is the basic auth the provider
# sends; the provider's own signing key as Anymail names it (e.g. MAILGUN_WEBHOOK_SIGNING_KEY).
MAIL_INBOUND_WEBHOOKS = env.bool("MAIL_INBOUND_WEBHOOKS", default=False)
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}
if env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""):  # unset, never an empty key anyone can sign with
    ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"] = env.str("MAILGUN_WEBHOOK_SIGNING_KEY")

# --- Celery ---------------------------------------------------------------------------------------


def _local_redis_answers(url: str = "redis://127.0.0.1:6379/0", timeout_seconds: float = 0.2) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=timeout_seconds):
            return True
    except OSError:
        return False


# Redis Sentinel (docs/deploy.md, "Redis"): the sentinels' addresses and the name they monitor the master
# by. With them the broker, the cache and every client of our own ask the sentinels for the master;
# REDIS_URL then only gives the database number and the master's password (its host is not used).
REDIS_SENTINELS = env.list("REDIS_SENTINELS", default=[])
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="")
if REDIS_SENTINELS and not REDIS_SENTINEL_MASTER:
    raise ImproperlyConfigured("REDIS_SENTINELS is set: set REDIS_SENTINEL_MASTER to the master's name too.")

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_SENTINELS:
    REDIS_URL = sentinel_url(REDIS_URL or "redis:///0", REDIS_SENTINELS)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if not CELERY_BROKER_URL:
    if _local_redis_answers():
        CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    else:
        # No Redis on this laptop: an embedded broker made of folders, shared by web, worker and beat.
        _broker_dir = VAR_DIR / "broker"
        for sub in ("out", "processed"):
            (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
        CELERY_BROKER_URL = "filesystem://"
        CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(_broker_dir / "out"),
            "data_folder_out": str(_broker_dir / "out"),
            "processed_folder": str(_broker_dir / "processed"),
            "store_processed": False,
        }
# Redis hands a message a worker took but never acknowledged (the worker was killed) to another worker
# after this many seconds. A worker holds an ETA task unacknowledged until its time comes, so the rule
# is: no ETA or retry countdown may reach this far ahead, or its task runs twice (harmlessly, every task
# is idempotent, but needlessly). The longest are the send retries' cap (300 s, a Retry-After included),
# the alarms' horizon (60 s) and a grouping window (PAGE_GROUP_WINDOW_SECONDS); `manage.py check`
# refuses a timeout that is not above them all (escalation/checks.py).
BROKER_VISIBILITY_TIMEOUT = env.float("BROKER_VISIBILITY_TIMEOUT", default=600.0)
if is_redis_url(CELERY_BROKER_URL):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith(SENTINEL_PREFIX):
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = REDIS_SENTINEL_MASTER
# No result backend: every task ignores its result (the database holds what a task did).

CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues while the broker is away gives up after about a second and carries on;
# the beat ticks re-send what could not be enqueued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
# The worker retries a lost broker every BROKER_RECONNECT_SECONDS (Celery's own retries grow to 30 s), so
# it is back within about that long of Redis answering again (support_desk/celery.py).
BROKER_RECONNECT_SECONDS = env.float("BROKER_RECONNECT_SECONDS", default=1.0)
CELERY_WORKER_CONSUMER = "support_desk.celery:PromptConsumer"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Customers' emails wait on mail servers (up to EMAIL_TIMEOUT each, with retries); pages must not wait
# behind them. They have their own queue, consumed by the Procfile's `mailer` process, so a slow or
# flooded mail server never holds a worker slot that an escalation step needs.
REQUESTER_MAIL_QUEUE = "mail"
# Pages (SMS, calls, managers' emails, a grouping window's message) must not wait behind a storm's
# firing either: their own queue, consumed by the Procfile's `pager` process. A worker started without
# -Q (the tests', a one-process install) consumes both of CELERY_TASK_QUEUES; the mail queue only by -Q.
PAGES_QUEUE = "pages"
CELERY_TASK_QUEUES = (Queue("celery"), Queue(PAGES_QUEUE))
CELERY_TASK_ROUTES = {
    "tickets.tasks.send_requester_notification": {"queue": REQUESTER_MAIL_QUEUE},
    "escalation.tasks.send_notification": {"queue": PAGES_QUEUE},
    "escalation.tasks.send_page": {"queue": PAGES_QUEUE},
}

# --- Cache ---------------------------------------------------------------------------------------
# Rate limits and throttles count per client across every web process, so production shares one cache:
# the broker's Redis server, in the database after the broker's (CACHE_URL overrides). No Redis: memory.
# With Sentinel the cache is the master's (a CACHE_URL of redis:// form gives only its database number).

_default_cache_url = ""
if is_redis_url(CELERY_BROKER_URL):
    _default_cache_url = with_db(CELERY_BROKER_URL, (url_db(CELERY_BROKER_URL) + 1) % 16)
CACHE_URL = env.str("CACHE_URL", default=_default_cache_url)
if REDIS_SENTINELS and CACHE_URL and not CACHE_URL.startswith(SENTINEL_PREFIX):
    CACHE_URL = sentinel_url(CACHE_URL, REDIS_SENTINELS)
if SENTINEL_PREFIX in CELERY_BROKER_URL + CACHE_URL and not REDIS_SENTINEL_MASTER:
    raise ImproperlyConfigured("A sentinel:// URL needs REDIS_SENTINEL_MASTER, the master's name.")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHE_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # a list: Django would split a Sentinel URL's `;` into servers of their own
        "LOCATION": [CACHE_URL],
        "KEY_PREFIX": "sd",
        # redis_client's pool: a plain Redis, or the master the sentinels name
        "OPTIONS": {
            "pool_class": "tickets.redis_connection.ClientPool",
            "master_name": REDIS_SENTINEL_MASTER,
        },
    }

# --- Twilio ---------------------------------------------------------------------------------------

TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_TIMEOUT_SECONDS = env.float("TWILIO_TIMEOUT_SECONDS", default=5.0)
NOTIFICATION_BACKOFF_BASE_SECONDS = env.float("NOTIFICATION_BACKOFF_BASE_SECONDS", default=2.0)
# Only for tests and local Twilio stand-ins; production talks to Twilio's own API.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
# Where Twilio can reach this deployment for status callbacks and webhooks, e.g. https://support.example.com
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")
# One page per engineer per storm: SMS (and calls) to one recipient within this window go out as one
# message when it closes; the first of a quiet period still goes out at once (escalation/paging/grouping.py).
# 0 turns grouping off (every SMS and call on its own).
PAGE_GROUP_WINDOW_SECONDS = env.float("PAGE_GROUP_WINDOW_SECONDS", default=30.0)
# A trigger this soon after its incident resolved reopens that incident (flapping is one incident).
INCIDENT_REOPEN_SECONDS = env.int("INCIDENT_REOPEN_SECONDS", default=300)
# Twilio takes about one message a second per sender number; kept across workers in the shared cache.
# A send whose slot is further off than the wait below is retried later instead of held in a worker.
# The public form (support_desk/web/ratelimit.py): new tickets an hour per requester address and per
# client address. A real outage's traffic stays far below both: one person files one or two tickets,
# a customer's whole team behind one NAT a few dozen.
PUBLIC_FORM_TICKETS_PER_REQUESTER_PER_HOUR = env.int("PUBLIC_FORM_TICKETS_PER_REQUESTER_PER_HOUR", default=5)
PUBLIC_FORM_TICKETS_PER_CLIENT_PER_HOUR = env.int("PUBLIC_FORM_TICKETS_PER_CLIENT_PER_HOUR", default=60)
TWILIO_MESSAGES_PER_SECOND = env.float("TWILIO_MESSAGES_PER_SECOND", default=1.0)
TWILIO_RATE_LIMIT_MAX_WAIT_SECONDS = env.float("TWILIO_RATE_LIMIT_MAX_WAIT_SECONDS", default=1.0)

# --- REST framework -------------------------------------------------------------------------------

# API tokens (`POST /api/v1/auth/token/`): each login issues a new token that expires this many days later
# (`expires_at` in the answer); `POST /api/v1/auth/logout/` revokes it, `.../logout-all/` every one of the
# caller's. Only a SHA-512 digest of a token (and its first 15 characters, to find it) is stored.
API_TOKEN_LIFETIME_DAYS = env.float("API_TOKEN_LIFETIME_DAYS", default=30.0)
if not 0 < API_TOKEN_LIFETIME_DAYS <= 366:
    raise ImproperlyConfigured("API_TOKEN_LIFETIME_DAYS must be more than 0 and at most 366.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_LIFETIME_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # what clients already send: `Authorization: Token <token>`
    "AUTO_REFRESH": False,  # a token's expiry is the one its login announced
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "support_desk.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_SCHEMA_CLASS": "support_desk.api.schema.AutoSchema",
    # JSON bodies of at most DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond); domain errors as 4xx JSON.
    "DEFAULT_PARSER_CLASSES": ["support_desk.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "support_desk.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "ticket_intake": env.str("API_TICKET_INTAKE_RATE", default="20/minute"),
        "public_reply": env.str("API_PUBLIC_REPLY_RATE", default="30/minute"),
        "public_rating": env.str("API_PUBLIC_RATING_RATE", default="10/minute"),
        "token_login": env.str("API_TOKEN_LOGIN_RATE", default="10/minute"),
        # Per integration key, on the two alert endpoints.
        "alert_intake": env.str("API_ALERT_INTAKE_RATE", default="600/minute"),
    },
    # Throttles count per client address: 0 trusts the socket's peer; behind N trusted proxies set N so
    # the address the outermost proxy saw counts (X-Forwarded-For is otherwise the client's to forge).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Support Desk API",
    "DESCRIPTION": "Tickets, SLA deadlines, escalation and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc served from our own static files: the product works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The contract's conventions for every operation (docs/api/contract.md): error responses, links from
    # creates to reads, the TimeZone component. After drf-spectacular's own enum hook.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "support_desk.api.schema.postprocess_contract",
    ],  # write-only fields (password) and id-or-name inputs differ from outputs
    "ENUM_NAME_OVERRIDES": {
        "Severity": "tickets.models.Severity",
        "TicketStatus": "tickets.models.Status",
        # What a person may ask a ticket to become (every status but `new`): updates, replies, macros.
        "TicketStatusAsked": "tickets.services.macros.MACRO_STATUS_CHOICES",
        "Plan": "tickets.models.Plan",
        "Metric": "escalation.models.Metric",
        "Region": "escalation.models.Region",
        "Channel": "escalation.models.Channel",
        "NotificationStatus": "escalation.models.Notification.Status",
        "IntegrationKind": "escalation.models.Kind",
    },
}

# --- Logging --------------------------------------------------------------------------------------

# Every handler carries the access-token filter: a private link (/t/<token>/, /api/v1/public/tickets/
# <token>/) is the key to a ticket, and no log line may hold one (support_desk/log_redaction.py; gunicorn's
# own logs: support_desk/gunicorn_conf.py; Celery's: support_desk/celery.py). Django's default handlers
# (`django` to the console in DEBUG and to mail_admins, `django.server` for runserver) are replaced by
# ours, so nothing reaches a handler without the filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_access_tokens": {"()": "support_desk.log_redaction.RedactAccessTokens"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_access_tokens"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_access_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},  # to the root's console
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- SLA ledger checkpoints ------------------------------------------------------------------------
# The chain head, signed with HMAC-SHA256 under this key (never stored in the database) and appended to
# the sink (a file path: JSON lines; or an http(s) URL: a POST of the JSON) every LEDGER_CHECKPOINT_SECONDS
# and by `manage.py ledger_checkpoint`. Unset, no checkpoint is written (`check --deploy` warns).
# `manage.py verify_ledger --checkpoints FILE` checks the chain against the published copies.
LEDGER_CHECKPOINT_KEY = env.str("LEDGER_CHECKPOINT_KEY", default="")
LEDGER_CHECKPOINT_SINK = env.str("LEDGER_CHECKPOINT_SINK", default="")
LEDGER_CHECKPOINT_SECONDS = env.float("LEDGER_CHECKPOINT_SECONDS", default=3600.0)

# --- Personal data (privacy/, docs/privacy.md) -----------------------------------------------------

# Closed tickets keep their messages and attachments this long unless their customer has a retention
# policy of its own (admin: Personal data > Retention policies).
PRIVACY_RETENTION_MONTHS = env.int("PRIVACY_RETENTION_MONTHS", default=24)
if not 1 <= PRIVACY_RETENTION_MONTHS <= 1200:
    raise ImproperlyConfigured("PRIVACY_RETENTION_MONTHS is a number of months, 1 to 1200.")

# --- Beat schedule --------------------------------------------------------------------------------

BREACH_SWEEP_INTERVAL_SECONDS = env.float("BREACH_SWEEP_INTERVAL_SECONDS", default=15.0)
ALARM_TICK_SECONDS = env.float("ALARM_TICK_SECONDS", default=5.0)
ROUTING_TICK_SECONDS = env.float("ROUTING_TICK_SECONDS", default=15.0)


def _every(task: str, seconds: float) -> dict:
    return {"task": task, "schedule": seconds}


CELERY_BEAT_SCHEDULE = {
    # The frequent tick over the indexed alarm table: the next minute's steps become precise ETAs.
    "enqueue-due-alarms": _every("escalation.tasks.enqueue_due_alarms", ALARM_TICK_SECONDS),
    "route-waiting-tickets": _every("escalation.tasks.route_waiting_tickets", ROUTING_TICK_SECONDS),
    "hand-off-ended-shifts": _every("escalation.tasks.hand_off_ended_shifts", 60.0),
    "respond-to-pending-incidents": _every("escalation.tasks.respond_to_pending_incidents", 60.0),
    "requeue-stale-notifications": _every("escalation.tasks.requeue_stale_notifications", 60.0),
    "requeue-stale-requester-notifications": _every(
        "tickets.tasks.requeue_stale_requester_notifications", 60.0
    ),
    "record-due-breaches": _every("escalation.tasks.record_due_breaches", BREACH_SWEEP_INTERVAL_SECONDS),
    "close-stale-tickets": _every("tickets.tasks.close_stale_tickets", 3600.0),
    # The triggers add a tally row per change; folding keeps every queue count a sum over a few rows.
    "fold-ticket-tallies": _every("tickets.tasks.fold_ticket_tallies", 30.0),
    # Large ledgers are verified here, not in a web request; the report page shows the last result.
    "verify-ledger-chain": _every("escalation.tasks.verify_ledger_chain", 300.0),
    # The chain head, signed and published outside the database (escalation/sla/services/checkpoints.py).
    "checkpoint-ledger": _every("escalation.tasks.checkpoint_ledger", LEDGER_CHECKPOINT_SECONDS),
    # Each customer's statement of the month just ended (escalation/statements/): every hour of the 1st
    # (UTC), so a beat down at midnight still makes them; each run makes only the missing ones.
    # Email in (issue 17): only with a mailbox configured; a failing one backs off (support_desk/inbound).
    **(
        {"poll-mailbox": _every("support_desk.inbound.tasks.poll_mailbox", MAIL_POLL_SECONDS)}
        if MAIL_INBOX_URL
        else {}
    ),
    # Closed tickets past their retention period lose their messages and files (privacy/), in batches.
    "erase-expired-tickets": _every("privacy.tasks.erase_expired_tickets", 3600.0),
    "make-monthly-statements": {
        "task": "escalation.tasks.make_monthly_statements",
        "schedule": crontab(minute=5, hour="*", day_of_month="1"),
    },
}
