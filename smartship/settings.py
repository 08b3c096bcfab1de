"""SmartShip settings, read from the environment.

Unset variables give the embedded default (SQLite under var/, a broker that needs no server, the local
LotteON sandbox). ``SMARTSHIP_ENV=production`` turns on the production checks.
"""

from __future__ import annotations

from pathlib import Path

import environ
from cryptography.fernet import Fernet

from smartship.config import ConfigError, broker_url, database_config, dev_encryption_key

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

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "sellers.middleware.SellerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SmartShip API",
    "DESCRIPTION": "Sales-site accounts, orders, SKUs and waybills of the signed-in seller. "
    "Authenticate with `Authorization: Token <key>` (POST /api/v1/auth/token/).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
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
# Order sync: how often beat fans out, how far the first sync looks back, how much each sync re-reads.
# The garbage collector's youngest-generation threshold in every process (core/collector.py); 0 keeps
# Python's default of 700.
SMARTSHIP_GC_YOUNG_THRESHOLD = env.int("SMARTSHIP_GC_YOUNG_THRESHOLD", default=100_000)
SMARTSHIP_ORDER_SYNC_SECONDS = env.int("SMARTSHIP_ORDER_SYNC_SECONDS", default=300)
SMARTSHIP_ORDER_LOOKBACK_DAYS = env.int("SMARTSHIP_ORDER_LOOKBACK_DAYS", default=7)
SMARTSHIP_ORDER_RESCAN_HOURS = env.int("SMARTSHIP_ORDER_RESCAN_HOURS", default=48)
SMARTSHIP_SYNC_LOCK_SECONDS = env.int("SMARTSHIP_SYNC_LOCK_SECONDS", default=600)
# Export to Excel: larger selections are prepared by the worker; their files are kept this many days.
SMARTSHIP_EXPORT_INLINE_LINES = env.int("SMARTSHIP_EXPORT_INLINE_LINES", default=10_000)
SMARTSHIP_EXPORT_KEEP_DAYS = env.int("SMARTSHIP_EXPORT_KEEP_DAYS", default=7)
# Automatic Stock Qty Sync: the periodic full sync (pushes whatever differs from what the site accepted)
# and the rows per stock call (LotteON 86/111; never more than the adapter's own maximum).
SMARTSHIP_STOCK_SYNC_SECONDS = env.int("SMARTSHIP_STOCK_SYNC_SECONDS", default=1800)
SMARTSHIP_STOCK_PUSH_BATCH = env.int("SMARTSHIP_STOCK_PUSH_BATCH", default=100)
CELERY_BEAT_SCHEDULE = {
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

# Sales sites the portal offers, in menu order: one line per marketplace package.
SMARTSHIP_SALES_SITES = ["integrations.lotteon.adapter.LOTTEON"]
# The portal's egress IPs, which sellers register at the marketplace ("direct input"); a deployment
# sets its own. Shown on the Sales Site API page with a copy button.
SMARTSHIP_SERVER_IPS = env.list("SMARTSHIP_SERVER_IPS", default=["127.0.0.1"])

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("SMARTSHIP_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
