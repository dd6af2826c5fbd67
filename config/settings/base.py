"""Settings shared by every mode. Values come from environment variables (config.env)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    BASE_DIR,
    default_database_url,
    embedded_secret_key,
    env_bool,
    env_int,
    env_list,
    env_str,
)

DATABASE_URL = env_str("KEEL_DATABASE_URL", default_database_url())


def database_settings(url: str) -> dict[str, Any]:
    """Translate KEEL_DATABASE_URL into Django's DATABASES entry.

    SQLite runs in WAL mode with IMMEDIATE transactions and a busy timeout, so that
    concurrent writers queue instead of failing with "database is locked".
    """
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = str(config["NAME"])
        if name not in {"", ":memory:"}:
            (BASE_DIR / "var").mkdir(exist_ok=True)
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "django.db.backends.postgresql"
        config.setdefault("OPTIONS", {})
    else:
        raise ValueError(f"KEEL_DATABASE_URL must be sqlite:// or postgresql://, not {url!r}")
    config["ATOMIC_REQUESTS"] = False
    return config


DATABASES = {"default": database_settings(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Embedded mode makes a random key once and keeps it in var/secret-key (mode 600);
# production requires KEEL_SECRET_KEY (config/settings/production.py).
SECRET_KEY = env_str("KEEL_SECRET_KEY", "") or embedded_secret_key()
DEBUG = env_bool("KEEL_DEBUG", False)
ALLOWED_HOSTS = env_list("KEEL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "keel.core",
    "keel.organization",
    "keel.audit",
    "keel.events",
    "keel.supply_chain",
    "keel.orders",
    "keel.simulation",
    "keel.planning",
    "keel.processes",
    "keel.kpis",
    "keel.dashboards",
    "keel.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "keel.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "keel.core.middleware.PersonTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "keel.core.middleware.ProblemMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "keel.web.context.navigation",
            ],
        },
    }
]

AUTH_USER_MODEL = "organization.Person"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("KEEL_SESSION_SECONDS", 12 * 3600)
# Imports with more rows than this run as background jobs with a progress page.
KEEL_IMPORT_BACKGROUND_ROWS = env_int("KEEL_IMPORT_BACKGROUND_ROWS", 2000)
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("KEEL_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "var" / "media"

# Request size limits: bodies beyond these get a 413 problem response.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("KEEL_MAX_BODY_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Background tasks: in-process in embedded mode; the production module switches to the
# database-backed queue served by `keel worker`.
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
KEEL_TASKS = env_str("KEEL_TASKS", "immediate")
if KEEL_TASKS not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"KEEL_TASKS must be one of {sorted(TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[KEEL_TASKS]}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Keel's own settings.
KEEL_DEMO_MODE = env_bool("KEEL_DEMO_MODE", False)
# The demo company's simulated history (keel/simulation/scenarios/default.toml sets the rest).
KEEL_DEMO_DAYS = env_int("KEEL_DEMO_DAYS", 42)
KEEL_DEMO_ORDERS_PER_DAY = env_int("KEEL_DEMO_ORDERS_PER_DAY", 16)
KEEL_DEMO_LOGINS_FILE = env_str("KEEL_DEMO_LOGINS_FILE", str(BASE_DIR / "var" / "demo-logins.txt"))
KEEL_LOGIN_FAILURE_LIMIT = env_int("KEEL_LOGIN_FAILURE_LIMIT", 5)
# KPIs: money is reported in one currency; other currencies convert at these rates (units of
# the reporting currency per unit of the other). Carrying cost rate is per year.
KEEL_KPI_CURRENCY = env_str("KEEL_KPI_CURRENCY", "EUR")
KEEL_KPI_EXCHANGE_RATES = {"USD": "0.92", "GBP": "1.17", "EUR": "1"}
KEEL_KPI_CARRYING_RATE = env_str("KEEL_KPI_CARRYING_RATE", "0.25")
KEEL_LOGIN_WINDOW_SECONDS = env_int("KEEL_LOGIN_WINDOW_SECONDS", 900)
KEEL_API_MAX_PAGE_SIZE = 500
KEEL_API_DEFAULT_PAGE_SIZE = 50
KEEL_INGEST_MAX_EVENTS = env_int("KEEL_INGEST_MAX_EVENTS", 10_000)
# Event logs imported for process mining (CSV, XES, OCEL 2.0), stored as Parquet files.
KEEL_PROCESS_LOG_DIR = env_str("KEEL_PROCESS_LOG_DIR", str(BASE_DIR / "var" / "process-logs"))
# Purchasing (docs/purchasing.md): the author of a purchase order may approve it only up to
# this total, in the order's currency; a line may be received this many percent above
# the ordered quantity.
KEEL_PO_SELF_APPROVAL_LIMIT = env_int("KEEL_PO_SELF_APPROVAL_LIMIT", 1000)
KEEL_PO_OVER_RECEIPT_PERCENT = env_int("KEEL_PO_OVER_RECEIPT_PERCENT", 0)
# Addresses of reverse proxies whose X-Forwarded-For is trusted for the client address.
KEEL_TRUSTED_PROXIES = env_list("KEEL_TRUSTED_PROXIES", [])
KEEL_API_AUTHENTICATORS = [
    "keel.organization.auth.authenticate_token",
    "keel.organization.auth.authenticate_session",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KEEL_LOG_LEVEL", "WARNING")},
}
KEEL_ACCESS_DENIED_HOOKS = ["keel.organization.services.record_access_denied"]
