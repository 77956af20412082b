"""Settings for Một Cửa, read from the environment only.

Development and production differ by their environment, never by a settings file. With nothing
set the portal runs on an SQLite file in ``var/`` and Celery runs tasks in-process. A value that
cannot be parsed fails loudly with ``ImproperlyConfigured``.
"""
from __future__ import annotations

import os
from datetime import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_sessions(name: str, default: str) -> tuple[tuple[time, time], ...]:
    """Parse working sessions written as ``07:30-11:30,13:30-17:30``."""
    raw = os.environ.get(name) or default
    sessions = []
    try:
        for part in raw.split(","):
            start, end = part.strip().split("-")
            sessions.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must look like 07:30-11:30,13:30-17:30, not {raw!r}"
        ) from None
    return tuple(sessions)


# Without SECRET_KEY the portal is a development install: DEBUG on, a fixed insecure key, plain
# HTTP. Setting SECRET_KEY switches every default to production (DEBUG off, HTTPS, HSTS).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEVELOPMENT = not SECRET_KEY
if DEVELOPMENT:
    SECRET_KEY = "insecure-development-key-for-motcua-never-use-in-production"
DEBUG = env_bool("DEBUG", DEVELOPMENT)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "motcua",
    "procedures",
    "dossiers",
    "reports",
    "notices",
    "cchc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but for HTTPS: a body over REQUEST_MAX_BYTES is refused (413) before anything reads it.
    "motcua.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "motcua.audit.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "motcua.middleware.SecurityHeadersMiddleware",
    # Innermost, so that its 400 still carries the headers above.
    "motcua.middleware.RejectNulMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

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
                "motcua.context_processors.workplace",
            ],
            "builtins": ["motcua.templatetags.people"],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:port/name); an SQLite file by default.
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the shared cache (the public forms' rate limits, which count in the database
# while Redis is down: motcua.throttling). Django's own RedisCache (not django-redis), wrapped to survive an
# outage; connecting gives up after half a second, a command after one.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Pages keep working while Redis is down (see motcua/cache.py); fail fast, don't hang.
            "BACKEND": "motcua.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "motcua"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A job whose worker dies under it (a pool child killed, out of memory) is requeued rather than
# acknowledged as failed; with acks_late that is how a report run gets done by another worker.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request never waits on a dead broker for more than a second: publishing tries twice, each connection
# attempt gives up after half a second, and the result store (Redis too) is not retried for 20 s as by
# default. The caller keeps the job in the database (a report run stays queued, sent again by the beat).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 0.5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0},
}
# Nobody reads a report job's result (its ReportRun row is the result): publishing it subscribes to nothing.
CELERY_TASK_ANNOTATIONS = {"reports.generate_report": {"ignore_result": True}}
# visibility_timeout: Redis hands a delivered but unacknowledged message (its worker was SIGKILLed)
# to another worker once this many seconds have passed since its delivery. It must exceed the
# longest job and the longest retry countdown (a worker holds a countdown's message unacknowledged):
# an hour by default; tests shorten it through CELERY_VISIBILITY_TIMEOUT.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 0.5, "socket_timeout": 2, "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
}
# A running report job touches its run's heartbeat every REPORT_HEARTBEAT_SECONDS; a run "running"
# without a heartbeat for REPORT_STALE_AFTER_SECONDS is taken for a dead worker's: it may be claimed
# again (reports.services._claim), and the beat sends it once more or marks it failed
# (reports.services.report_requeue_waiting). Tests shorten both through the environment.
REPORT_STALE_AFTER_SECONDS = env_int("REPORT_STALE_AFTER_SECONDS", 90)
REPORT_HEARTBEAT_SECONDS = env_int("REPORT_HEARTBEAT_SECONDS", max(1, min(15, REPORT_STALE_AFTER_SECONDS // 3)))
# A report job is stopped after this long (its soft limit half a minute before): below the visibility
# timeout, so that Redis never hands a job still running to a second worker.
REPORT_TIME_LIMIT_SECONDS = env_int("REPORT_TIME_LIMIT_SECONDS", 1800)
for _name, _value in (("CELERY_VISIBILITY_TIMEOUT", CELERY_VISIBILITY_TIMEOUT),
                      ("REPORT_HEARTBEAT_SECONDS", REPORT_HEARTBEAT_SECONDS),
                      ("REPORT_STALE_AFTER_SECONDS", REPORT_STALE_AFTER_SECONDS),
                      ("REPORT_TIME_LIMIT_SECONDS", REPORT_TIME_LIMIT_SECONDS)):
    if _value <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive number of seconds, not {_value}")
if REPORT_STALE_AFTER_SECONDS < 2 * REPORT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("REPORT_STALE_AFTER_SECONDS must be at least twice REPORT_HEARTBEAT_SECONDS")
# Beat: draft every unit's quarterly report when a window closes; remind on the 17th.
from reports.schedule import CELERY_BEAT_SCHEDULE  # noqa: E402,F401
from notices.schedule import NOTICES_BEAT_SCHEDULE  # noqa: E402

CELERY_BEAT_SCHEDULE = {**CELERY_BEAT_SCHEDULE, **NOTICES_BEAT_SCHEDULE}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "motcua:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: after this many failures for one user name from one address, lock.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)

# Sessions: idle timeout, renewed on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Internationalisation: source strings in English, the portal speaks Vietnamese.
LANGUAGE_CODE = "vi"
# One language for everyone: the browser's Accept-Language never switches the portal to English.
LANGUAGES = [("vi", _("Vietnamese"))]
LOCALE_PATHS = [BASE_DIR / "motcua" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["motcua.formats"]
USE_THOUSAND_SEPARATOR = True

# Working time (see motcua/calendar.py): sessions must add up to WORKING_DAY_HOURS.
WORKING_SESSIONS = env_sessions("WORKING_SESSIONS", "07:30-11:30,13:30-17:30")
WORKING_DAY_HOURS = env_int("WORKING_DAY_HOURS", 8)
# When a resolved dossier is "trước hạn" (motcua.deadlines): "day" = on a calendar day before the due
# day (the default); "moment" = before the due moment, on time in its minute. After a change, run
# `manage.py recompute_outcomes`.
OUTCOME_RULE = os.environ.get("OUTCOME_RULE", "day").strip().lower()
if OUTCOME_RULE not in ("day", "moment"):
    raise ImproperlyConfigured(f"OUTCOME_RULE must be 'day' or 'moment', not {OUTCOME_RULE!r}")

# The office as the public front door shows it (empty: not shown). OFFICE_HOURS empty: read off the
# working sessions above ("Thứ Hai đến Thứ Sáu: 07:30–11:30, 13:30–17:30").
OFFICE_NAME = os.environ.get("OFFICE_NAME", "").strip()
OFFICE_ADDRESS = os.environ.get("OFFICE_ADDRESS", "").strip()
OFFICE_HOURS = os.environ.get("OFFICE_HOURS", "").strip()
OFFICE_HOTLINE = os.environ.get("OFFICE_HOTLINE", "").strip()

# The largest request body accepted (413 above it, before the body is read: motcua.middleware):
# the largest upload (a 5 MB catalogue file) and its form around it. Django's own limit on what it
# parses in memory stays below it for forms without a file.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 6 * 1024 * 1024)
if REQUEST_MAX_BYTES <= 0:
    raise ImproperlyConfigured(f"REQUEST_MAX_BYTES must be a positive number of bytes, not {REQUEST_MAX_BYTES}")
# A catalogue file up to this size (a few hundred rows) is checked and written within the request;
# a larger one by a Celery job, its page refreshing until the check is ready (procedures.import_jobs).
CATALOGUE_IMPORT_INLINE_BYTES = env_int("CATALOGUE_IMPORT_INLINE_BYTES", 64 * 1024)
# The largest file (or set of scanned pages joined into one) a dossier takes (dossiers.files): larger is
# refused with a message. It must stay below REQUEST_MAX_BYTES, or the upload gets the bare 413 first.
DOSSIER_FILE_MAX_BYTES = env_int("DOSSIER_FILE_MAX_BYTES", 5 * 1024 * 1024)
# Pages scanned for one component are checked and joined in the request when there are at most this many
# files and at most this many bytes in all; more (a 20-page scan) go to a Celery job whose page shows its
# progress (dossiers.scan_jobs). The bytes stay below DOSSIER_FILE_MAX_BYTES: nothing larger is taken.
DOSSIER_SCAN_INLINE_PAGES = env_int("DOSSIER_SCAN_INLINE_PAGES", 5)
DOSSIER_SCAN_INLINE_BYTES = env_int("DOSSIER_SCAN_INLINE_BYTES", 2 * 1024 * 1024)
if not 0 < DOSSIER_FILE_MAX_BYTES <= REQUEST_MAX_BYTES - 256 * 1024:
    raise ImproperlyConfigured(
        f"DOSSIER_FILE_MAX_BYTES ({DOSSIER_FILE_MAX_BYTES}) must be positive and at least 256 KiB below "
        f"REQUEST_MAX_BYTES ({REQUEST_MAX_BYTES}); raise REQUEST_MAX_BYTES with it"
    )

# django-import-export: every import runs in one transaction (all rows or none); CSV and Excel only.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_FORMATS = [CSV, XLSX]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# The roots a signed PDF's certificate must chain to for its signature to read "hợp lệ" (motcua.signing):
# a PEM bundle (the national root CA of the specialised digital-signature service, the province's CA).
SIGNATURE_TRUST_ROOTS = os.environ.get("SIGNATURE_TRUST_ROOTS", "").strip()
MEDIA_URL = "media/"

# Security. Production (DEBUG off) behind HTTPS gets the strict defaults; each can be relaxed
# by its variable, e.g. SECURE_SSL_REDIRECT=0 when a proxy already redirects.
# Scripts and styles only from our own static files: no inline script, no inline style (the printed forms
# link static/css/print-form.css too; WeasyPrint's PDF-only templates are never served as HTML).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
# The health check of docker-compose.yml asks gunicorn directly over plain HTTP: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# The client address that throttles count (motcua.throttling.client_address): each of our reverse proxies
# appends the address it saw to X-Forwarded-For, so the entry TRUSTED_PROXY_COUNT from the right is the one
# the outermost of them vouches for; anything to its left is the client's to forge. 0 trusts no header.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")
TRUST_X_FORWARDED_FOR = TRUSTED_PROXY_COUNT > 0  # the older switch, derived; TRUSTED_PROXY_COUNT decides

# The portal's public address, for links in e-mails (the daily digest) and on printed QR codes.
MOTCUA_SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
# Where SMS go: a class with send(phone, text); the default prints them on the console.
MOTCUA_SMS_BACKEND = os.environ.get("SMS_BACKEND", "motcua.sms.ConsoleSMSBackend")
# The HTTP gateway (SMS_BACKEND=motcua.sms.HTTPSMSBackend): {phone, text} posted as JSON (or a form)
# with basic authentication; an answer other than 2xx is a failure, its reason kept in the delivery log.
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_USER = os.environ.get("SMS_HTTP_USER", "")
SMS_HTTP_PASSWORD = os.environ.get("SMS_HTTP_PASSWORD", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
SMS_HTTP_FORMAT = os.environ.get("SMS_HTTP_FORMAT", "json").strip().lower()
if SMS_HTTP_FORMAT not in ("json", "form"):
    raise ImproperlyConfigured(f"SMS_HTTP_FORMAT must be 'json' or 'form', not {SMS_HTTP_FORMAT!r}")
# The applicants' SMS without diacritics (most gateways take plain ASCII: 160 characters a message).
SMS_ASCII = env_bool("SMS_ASCII", True)
# Nothing is sent to applicants in these hours (Vietnam time): held until their end (notices).
NOTICE_QUIET_HOURS = env_sessions("NOTICE_QUIET_HOURS", "21:00-07:00")[0]

ADMINS = [("Admin", a) for a in env_list("ADMIN_EMAILS", [])]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "motcua@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
