"""SmartShip settings, read from the environment.

Unset variables give the embedded default (SQLite under var/, a broker that needs no server, the local
LotteON sandbox). ``SMARTSHIP_ENV=production`` turns on the production checks.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF

from smartship.config import ConfigError, broker_url, cache_config, database_config, dev_encryption_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("SMARTSHIP_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

SMARTSHIP_ENV = env.str("SMARTSHIP_ENV", default="development")
if SMARTSHIP_ENV not in {"development", "production"}:
    raise ConfigError(f"SMARTSHIP_ENV must be 'development' or 'production', not {SMARTSHIP_ENV!r}.")
PRODUCTION = SMARTSHIP_ENV == "production"

DEV_SECRET_KEY = "django-insecure-smartship-development-only"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="" if PRODUCTION else DEV_SECRET_KEY)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ConfigError(
        "DJANGO_SECRET_KEY must be set to a random value of at least 32 characters in production. "
        'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

# Keys that encrypt stored marketplace API keys: newest first; older ones still decrypt (rotation).
_encryption_keys = env.list("SMARTSHIP_ENCRYPTION_KEYS", default=[])
if not _encryption_keys:
    if PRODUCTION:
        raise ConfigError(
            "SMARTSHIP_ENCRYPTION_KEYS must be set in production (comma-separated Fernet keys, newest first). "
            'Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    _encryption_keys = [dev_encryption_key(SECRET_KEY)]
for _key in _encryption_keys:
    try:
        Fernet(_key)
    except ValueError as exc:
        raise ConfigError(
            "SMARTSHIP_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from exc
SMARTSHIP_ENCRYPTION_KEYS = _encryption_keys

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ConfigError(
        "DJANGO_DEBUG=true is refused in production (it shows settings and tracebacks to visitors). "
        "Unset DJANGO_DEBUG, or run with SMARTSHIP_ENV=development."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigError(
        "DJANGO_ALLOWED_HOSTS must be set in production: the comma-separated host names the portal answers to, "
        "e.g. DJANGO_ALLOWED_HOSTS=portal.example.com"
    )
# Origins (scheme://host[:port]) allowed to POST besides the portal's own host, e.g. when a proxy serves
# the portal under another name or port: DJANGO_CSRF_TRUSTED_ORIGINS=https://portal.example.com
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "core",
    "sellers",
    "integrations",
    "orders",
    "inventory",
    "waybills",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early, so every answer below it (redirects, the lockout page, error pages) carries the policy.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, but a write to an /api/ path missing its slash is a JSON 404 (no redirect, no DEBUG RuntimeError).
    "core.middleware.CommonMiddleware",
    # Inside CommonMiddleware (a path missing its slash is redirected first): every 404 under /api/ is JSON.
    "core.middleware.ApiNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "sellers.middleware.SellerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns the login view's answer to a locked-out attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smartship.urls"
WSGI_APPLICATION = "smartship.wsgi.application"
ASGI_APPLICATION = "smartship.asgi.application"

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
                "sellers.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {"default": database_config(env, default_sqlite=VAR_DIR / "smartship.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "sellers.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "logged-out"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Collected static files: part of the build (the Dockerfile runs collectstatic with the production storage),
# not of the runtime data under SMARTSHIP_VAR_DIR, so they live beside the code unless told otherwise.
STATIC_ROOT = Path(env.str("SMARTSHIP_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing directory
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# HTTPS (docs/deployment.md). Production assumes TLS: cookies marked Secure, plain HTTP redirected to
# HTTPS and HSTS; each can be turned off for a trial over plain HTTP.
if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's health check may speak plain HTTP
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
    SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (docs/deployment.md): scripts, styles, fonts and requests come from the portal itself
# and nothing runs inline, so injected markup cannot run script. Pages keep their behaviour in static/js/ and
# their looks in static/css/; htmx is told not to inject its own <style> or evaluate attributes (base.html).
# The API docs page needs no exception either (smartship/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Only a TLS-terminating proxy in front may say a request came over HTTPS: the header is trusted when
# DJANGO_BEHIND_PROXY=true, and that proxy must then set (not pass through) X-Forwarded-Proto. Without a
# proxy a client could send the header itself and be taken for HTTPS.
SMARTSHIP_BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
# Where that proxy connects from: X-Forwarded-For is believed only from these (sellers/lockout.py). The default
# is what a proxy beside the portal uses (loopback, private networks, as in docker-compose.yml).
try:
    SMARTSHIP_TRUSTED_PROXIES = tuple(ipaddress.ip_network(item.strip(), strict=False) for item in env.list(
        "DJANGO_TRUSTED_PROXIES", default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                           "fc00::/7"]))
except ValueError as exc:
    raise ConfigError(f"DJANGO_TRUSTED_PROXIES must list addresses or networks (e.g. 10.0.0.0/8): {exc}") from None
if SMARTSHIP_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Password guessing (docs/deployment.md). django-axes counts failed sign-ins per username *and* client address,
# so colleagues behind one office address do not lock each other out: after SMARTSHIP_LOGIN_FAILURE_LIMIT
# failures that username is refused from that address, even with the right password, until
# SMARTSHIP_LOGIN_COOLOFF_MINUTES pass without another try; a successful sign-in clears the count. It guards
# the login page, the admin's and the API's token endpoint (sellers/lockout.py, sellers/apis.py).
SMARTSHIP_LOGIN_FAILURE_LIMIT = env.int("SMARTSHIP_LOGIN_FAILURE_LIMIT", default=5)
SMARTSHIP_LOGIN_COOLOFF_MINUTES = env.int("SMARTSHIP_LOGIN_COOLOFF_MINUTES", default=15)
if SMARTSHIP_LOGIN_FAILURE_LIMIT < 1 or SMARTSHIP_LOGIN_COOLOFF_MINUTES < 1:
    raise ConfigError(
        "SMARTSHIP_LOGIN_FAILURE_LIMIT and SMARTSHIP_LOGIN_COOLOFF_MINUTES must be at least 1 "
        f"(now {SMARTSHIP_LOGIN_FAILURE_LIMIT} and {SMARTSHIP_LOGIN_COOLOFF_MINUTES})."
    )
SESSION_ENGINE = "core.sessions"  # Django's database sessions (see the module for the one difference)
AUTHENTICATION_BACKENDS = ["sellers.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = SMARTSHIP_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SMARTSHIP_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout are refused and not recorded: recorded, each appended its query string and form data
# to the same row and started the cool-off again, so anyone could grow one row without end.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "sellers.lockout.client_ip"
AXES_USERNAME_CALLABLE = "sellers.lockout.client_username"
AXES_LOCKOUT_CALLABLE = "sellers.lockout.lockout_response"
AXES_VERBOSE = False  # no "AXES: BEGIN" line from every process; failures and lockouts are still logged

# REST API rates for programs: a generous one per signed-in user and a small one per client address on the
# token endpoint (on top of the lockout). DRF counts them in Django's cache (Redis when there is one, shared by
# every process; each process's memory on the embedded default).
SMARTSHIP_API_USER_RATE = env.str("SMARTSHIP_API_USER_RATE", default="600/minute")
SMARTSHIP_API_TOKEN_RATE = env.str("SMARTSHIP_API_TOKEN_RATE", default="20/minute")
for _name, _rate in (("SMARTSHIP_API_USER_RATE", SMARTSHIP_API_USER_RATE),
                     ("SMARTSHIP_API_TOKEN_RATE", SMARTSHIP_API_TOKEN_RATE)):
    if not re.fullmatch(r"[1-9][0-9]*/(second|minute|hour|day)", _rate):
        raise ConfigError(f"{_name} must be requests per second, minute, hour or day, e.g. 600/minute (now {_rate!r}).")

CACHES = {"default": cache_config(env)}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "smartship.cache"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sellers.permissions.IsSellerMember"],
    "DEFAULT_PARSER_CLASSES": [  # DRF's defaults, with a JSON parser that answers 400 to a too deeply nested body
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": SMARTSHIP_API_USER_RATE, "auth-token": SMARTSHIP_API_TOKEN_RATE},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SmartShip API",
    "DESCRIPTION": "Sales-site accounts, orders, SKUs and waybills of the signed-in seller. "
    "Authenticate with `Authorization: Token <key>` (POST /api/v1/auth/token/). Errors are "
    "`{\"message\", \"code\", \"extra\"}`: 400 a request to fix, 404 an unknown id, 409 the thing acted on is "
    "in the way (another click got there first, a wrong state, an order on hold), 429 throttled or locked out, "
    "502/504 the sales site failed.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "LineStatusEnum": "orders.models.LineStatus",
        "OrderSourceEnum": "orders.models.Order.Source",
        "OrderEventKindEnum": "orders.models.OrderEvent.Kind",
        "AccountEventKindEnum": "integrations.models.AccountEvent.Kind",
        "SyncRunStatusEnum": "integrations.models.SyncRun.Status",
        "SyncRunTriggerEnum": "integrations.models.SyncRun.Trigger",
        "LinkSourceEnum": "inventory.models.SiteOptionLink.Source",
        "TrackingPushKindEnum": "waybills.models.TrackingPush.Kind",
        "SkuKindEnum": "inventory.models.SkuKind",
        "WaybillKindEnum": "waybills.models.WaybillKind",
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/.
CELERY_BROKER_URL = broker_url(env)
_queue_dir = VAR_DIR / "celery" / "queue"
_processed_dir = VAR_DIR / "celery" / "processed"
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue_dir.mkdir(parents=True, exist_ok=True)
    _processed_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT = "smartship.broker:Transport"  # kombu's, with atomic message files
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# A separate queue name lets tests run their own worker beside a portal on the same broker.
CELERY_TASK_DEFAULT_QUEUE = env.str("SMARTSHIP_QUEUE", default="smartship")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Long tasks (an Export to Excel of 150,000 lines takes ~45 s, SKU imports and large syncs seconds to
# minutes): the soft limit raises SoftTimeLimitExceeded in the task, which then records its failure like
# any other error; the hard limit kills the process. Both stay below the 600 s after which an export or
# SKU import still running is shown as lost (orders/services/export.py, inventory/views.py) and below a
# sync run's window, max(3 x SMARTSHIP_ORDER_SYNC_SECONDS, SMARTSHIP_SYNC_LOCK_SECONDS) = 900 s by default
# (orders/services/sync.py), so a job is never reported lost, and asked again, while it still runs.
SMARTSHIP_TASK_SOFT_TIME_LIMIT = env.int("SMARTSHIP_TASK_SOFT_TIME_LIMIT", default=480)
SMARTSHIP_TASK_TIME_LIMIT = env.int("SMARTSHIP_TASK_TIME_LIMIT", default=540)
if not 0 < SMARTSHIP_TASK_SOFT_TIME_LIMIT < SMARTSHIP_TASK_TIME_LIMIT:
    raise ConfigError(
        "SMARTSHIP_TASK_SOFT_TIME_LIMIT must be positive and below SMARTSHIP_TASK_TIME_LIMIT "
        f"(now {SMARTSHIP_TASK_SOFT_TIME_LIMIT} and {SMARTSHIP_TASK_TIME_LIMIT} seconds)."
    )
CELERY_TASK_SOFT_TIME_LIMIT = SMARTSHIP_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = SMARTSHIP_TASK_TIME_LIMIT
# One message at a time per worker process: a long export must not hold other tasks reserved behind it.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Deliberately not acks_late: every task claims its row only while it is QUEUED (a sync run, an export, an
# import) or takes a per-account lease, so a message redelivered after a worker died mid-task would find
# its row RUNNING and do nothing: acks_late would add redeliveries but no recovery. Work cut short is
# recovered instead by the stale windows (a lost sync or export is marked failed and asked again) and
# beat's next run (docs/deployment.md).
CELERY_TASK_ACKS_LATE = False
# Order sync: how often beat fans out, how far the first sync looks back, how much each sync re-reads.
# The garbage collector's youngest-generation threshold in every process (core/collector.py); 0 keeps
# Python's default of 700.
SMARTSHIP_GC_YOUNG_THRESHOLD = env.int("SMARTSHIP_GC_YOUNG_THRESHOLD", default=100_000)
SMARTSHIP_ORDER_SYNC_SECONDS = env.int("SMARTSHIP_ORDER_SYNC_SECONDS", default=300)
# Without a successful order sync for this long (the key working), the seller's Alert e-mails are told.
SMARTSHIP_ALERT_SYNC_STALLED_MINUTES = env.int("SMARTSHIP_ALERT_SYNC_STALLED_MINUTES", default=120)
SMARTSHIP_ORDER_LOOKBACK_DAYS = env.int("SMARTSHIP_ORDER_LOOKBACK_DAYS", default=7)
SMARTSHIP_ORDER_RESCAN_HOURS = env.int("SMARTSHIP_ORDER_RESCAN_HOURS", default=48)
SMARTSHIP_SYNC_LOCK_SECONDS = env.int("SMARTSHIP_SYNC_LOCK_SECONDS", default=600)
# Export to Excel: larger selections are prepared by the worker; their files are kept this many days.
SMARTSHIP_EXPORT_INLINE_LINES = env.int("SMARTSHIP_EXPORT_INLINE_LINES", default=10_000)
SMARTSHIP_EXPORT_KEEP_DAYS = env.int("SMARTSHIP_EXPORT_KEEP_DAYS", default=7)
# The API call log, order sync runs and stock push runs are kept this many days (beat's daily prune-history).
SMARTSHIP_HISTORY_KEEP_DAYS = env.int("SMARTSHIP_HISTORY_KEEP_DAYS", default=90)
# Automatic Stock Qty Sync: the periodic full sync (pushes whatever differs from what the site accepted)
# and the rows per stock call (LotteON 86/111; never more than the adapter's own maximum).
SMARTSHIP_STOCK_SYNC_SECONDS = env.int("SMARTSHIP_STOCK_SYNC_SECONDS", default=1800)
SMARTSHIP_STOCK_PUSH_BATCH = env.int("SMARTSHIP_STOCK_PUSH_BATCH", default=100)
# The full sync reads back (LotteON 94, one call per product) options not read for this long, at most this many
# products per run: a quantity changed at the store center is corrected within a day (docs/inventory.md).
SMARTSHIP_STOCK_RECHECK_HOURS = env.int("SMARTSHIP_STOCK_RECHECK_HOURS", default=24)
SMARTSHIP_STOCK_RECHECK_PRODUCTS = env.int("SMARTSHIP_STOCK_RECHECK_PRODUCTS", default=200)
# A stock write whose answer was lost (a timeout) may still be applied at the site after that: the option is left
# alone this long before it is read back, or a late 86 would put back an older figure over the newer one sent in
# between. The run that finds such an option queues a push for when the time is up.
SMARTSHIP_STOCK_SETTLE_SECONDS = env.int("SMARTSHIP_STOCK_SETTLE_SECONDS", default=90)
# Changes still waiting after their own push (lost task, worker down, a connection that failed and is back): sent
# this often instead of at the next full sync.
SMARTSHIP_STOCK_SWEEP_SECONDS = env.float("SMARTSHIP_STOCK_SWEEP_SECONDS", default=120.0)
CELERY_BEAT_SCHEDULE = {
    "stock-waiting-sweep": {
        "task": "inventory.tasks.sync_stock_waiting",
        "schedule": SMARTSHIP_STOCK_SWEEP_SECONDS,
        "options": {"expires": SMARTSHIP_STOCK_SWEEP_SECONDS - 10},
    },
    "stock-sync": {
        "task": "inventory.tasks.sync_stock_due_accounts",
        "schedule": float(SMARTSHIP_STOCK_SYNC_SECONDS),
        "options": {"expires": SMARTSHIP_STOCK_SYNC_SECONDS},
    },
    "order-sync": {
        "task": "orders.tasks.sync_due_accounts",
        "schedule": float(SMARTSHIP_ORDER_SYNC_SECONDS),
        "options": {"expires": SMARTSHIP_ORDER_SYNC_SECONDS},
    },
    "tracking-push-sweep": {
        "task": "waybills.tasks.push_tracking_sweep",
        "schedule": env.float("SMARTSHIP_TRACKING_SWEEP_SECONDS", default=120.0),
        "options": {"expires": 110},
    },
    "expire-exports": {
        "task": "orders.tasks.expire_exports",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    "account-alerts": {
        "task": "integrations.tasks.send_account_alerts",
        "schedule": env.float("SMARTSHIP_ALERT_SECONDS", default=900.0),
        "options": {"expires": 600},
    },
    "prune-history": {
        "task": "core.tasks.prune_history",
        "schedule": 86400.0,
        "options": {"expires": 3600},
    },
    "worker-heartbeat": {
        "task": "core.tasks.record_heartbeat",
        "schedule": env.float("SMARTSHIP_HEARTBEAT_SECONDS", default=60.0),
        "options": {"expires": 55},
    },
}

# Who reacts when order lines are stored, confirmed or cancelled (orders/services/hooks.py).
SMARTSHIP_ON_LINES_STORED = ["inventory.hooks.on_lines_stored"]
SMARTSHIP_ON_LINES_CONFIRMED = ["inventory.hooks.on_lines_confirmed"]
SMARTSHIP_ON_LINES_CANCELLED = ["inventory.hooks.on_lines_cancelled", "waybills.hooks.on_lines_cancelled"]
SMARTSHIP_ON_LINES_SHIPPED = ["inventory.hooks.on_lines_shipped"]
SMARTSHIP_ORDER_ATTENTION = ["waybills.hooks.order_attention", "inventory.hooks.order_attention"]
# Asked before a sales-site account is deleted; each may refuse with an ApplicationError (work still owed to it).
SMARTSHIP_BEFORE_ACCOUNT_DELETE = ["waybills.hooks.before_account_delete"]

# Sales sites the portal offers, in menu order: one line per marketplace package.
SMARTSHIP_SALES_SITES = ["integrations.lotteon.adapter.LOTTEON"]
# The portal's egress IPs, which sellers register at the marketplace ("direct input"); a deployment
# sets its own. Shown on the Sales Site API page with a copy button.
SMARTSHIP_SERVER_IPS = env.list("SMARTSHIP_SERVER_IPS", default=[] if PRODUCTION else ["127.0.0.1"])
if PRODUCTION and not SMARTSHIP_SERVER_IPS:
    raise ConfigError(
        "SMARTSHIP_SERVER_IPS must be set in production: the portal's public egress IPs that sellers register "
        "at the marketplace, comma-separated, e.g. SMARTSHIP_SERVER_IPS=203.0.113.10,203.0.113.11"
    )
for _ip in SMARTSHIP_SERVER_IPS:
    try:
        ipaddress.ip_address(_ip)
    except ValueError:
        raise ConfigError(
            f"SMARTSHIP_SERVER_IPS holds {_ip!r}, which is not an IP address; list the egress IPs comma-separated."
        ) from None

# LotteON: the local sandbox in development, the real Open API in production.
LOTTEON_BASE_URL = env.str(
    "LOTTEON_BASE_URL", default="https://openapi.lotteon.com" if PRODUCTION else "http://127.0.0.1:8765"
)

# The LotteON client: retries of reads (writes are never re-sent blindly) and the self-imposed rate limit.
LOTTEON_READ_TIMEOUT = env.float("LOTTEON_READ_TIMEOUT", default=30.0)
LOTTEON_RETRY_ATTEMPTS = env.int("LOTTEON_RETRY_ATTEMPTS", default=4)
LOTTEON_RETRY_BASE_DELAY = env.float("LOTTEON_RETRY_BASE_DELAY", default=0.5)
LOTTEON_RETRY_MAX_WAIT = env.float("LOTTEON_RETRY_MAX_WAIT", default=10.0)
LOTTEON_CALLS_PER_MINUTE = env.int("LOTTEON_CALLS_PER_MINUTE", default=3000)

# Error reports (docs/deployment.md): with DJANGO_ADMINS set, every error logged (a 500, a crashed task or
# sync) is also mailed to them through EMAIL_URL, the same failure at most once an hour per process.
ADMINS = [(address, address) for address in env.list("DJANGO_ADMINS", default=[])]
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if not PRODUCTION else "smtp://localhost:25"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL = env.str("SMARTSHIP_FROM_EMAIL", default="smartship@localhost")
# The portal's address as sellers open it, for the links in alert e-mails; empty, the mails name the page instead.
SMARTSHIP_PUBLIC_URL = env.str("SMARTSHIP_PUBLIC_URL", default="" if PRODUCTION else
                               f"http://127.0.0.1:{env.str('SMARTSHIP_PORT', default='8000')}")
EMAIL_SUBJECT_PREFIX = "[SmartShip] "
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.logging.SecretsHiddenFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "once_an_hour": {"()": "core.logging.OncePerInterval", "seconds": 3600},
        "refusal_without_traceback": {"()": "core.logging.RefusalWithoutTraceback"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR",
                        "filters": ["require_debug_false", "once_an_hour"]},
    },
    "root": {"handlers": ["console", "mail_admins"], "level": env.str("SMARTSHIP_LOG_LEVEL", default="INFO")},
    # axes writes three lines per failed sign-in; its warnings (a lockout) are the ones worth keeping.
    "loggers": {
        # Django's own handlers (console in DEBUG, its unfiltered mail_admins) give way to the root's above.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # A 403 is one warning line, not a traceback.
        "django.request": {"filters": ["refusal_without_traceback"]},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
