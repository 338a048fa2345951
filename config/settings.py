"""Settings read from the environment, with production-safe defaults.

DEBUG is off unless DEBUG=1; without DEBUG a real SECRET_KEY and ALLOWED_HOSTS must be given.
"""

import os
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean such as 1 or 0, not {value!r}")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "quiz",
]

MIDDLEWARE = [
    # First: a load balancer's probe by address, over HTTP, with no session (quiz/operations).
    "quiz.operations.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "quiz.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After sessions, auth, messages and htmx: ends sessions idle or too old (quiz/session_limits).
    "quiz.session_limits.SessionLimitsMiddleware",
    # Last, as django-axes requires: it turns a login refused for too many failures into the
    # lockout page, which the middleware above still sees (the CSP header among others).
    "axes.middleware.AxesMiddleware",
]

# One JSON line per request (request id, user, path, status, duration, queries) on the
# `quiz.requests` logger, to standard output: for a log collector. Off by default.
REQUEST_LOG = env_bool("REQUEST_LOG", False)
if REQUEST_LOG:  # around everything but the health probe, to time and count all of it
    MIDDLEWARE.insert(1, "quiz.operations.RequestLogMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# SQLite is the embedded default; PostgreSQL in production through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "PG_PREPARED_STATEMENTS", True
):
    # A query a connection has run twice is prepared: PostgreSQL plans it once, not at every
    # request (the question page's item query: 1.3 -> 0.6 ms). Django leaves this off for
    # poolers: behind pgbouncer in transaction mode turn it off (or use pgbouncer >= 1.21 with
    # max_prepared_statements).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("server_side_binding", True)  # DATABASE_URL's own options win
    options.setdefault("prepare_threshold", 2)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL stop "database is locked" under concurrent writers:
    # with SQLite's default deferred transactions, 29 of 30 concurrent answers failed.
    # Connections persist (CONN_MAX_AGE) as with PostgreSQL: opening one and running the
    # PRAGMAs on every request cost more than the question page itself.
    # Durability (README, Deployment): NORMAL never corrupts the database, and an answer
    # committed survives the app crashing, but a power cut or an OS crash can undo the
    # answers committed since the last checkpoint; FULL syncs the log at every commit.
    synchronous = os.environ.get("SQLITE_SYNCHRONOUS", "").strip().upper() or "NORMAL"
    if synchronous not in {"NORMAL", "FULL"}:
        raise ImproperlyConfigured(
            f"SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {os.environ['SQLITE_SYNCHRONOUS']!r}"
        )
    # Writers wait their turn on a file lock, woken when it is free (quiz/sqlite).
    DATABASES["default"]["ENGINE"] = "quiz.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous};",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No form here is bigger than a few kilobytes; refuse anything far larger with a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The site's address, for links made outside a request (load_cohort's set-password links).
# Without DEBUG there is no safe guess: load_cohort refuses to write links until it is set.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")

# Set-password links for new cohorts are password-reset tokens: a week to use them.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 7 * 24 * 60 * 60)

# django-axes first: it refuses a locked-out login before ModelBackend checks the password.
# The standalone backend only counts failures; ModelBackend alone authenticates and holds
# permissions (axes' AxesBackend would subclass it and check every permission twice). Ours
# is ModelBackend loading each request's user by a written-out query (quiz/identity.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "quiz.identity.UserBackend",
]
# Django's database sessions, read by a written-out query on every request (quiz/identity.py).
SESSION_ENGINE = "quiz.identity"

# Login throttling (django-axes). Failures count per username, summed over every address and
# browser: a classroom behind one address is never locked out by one student's typos, and
# changing address or X-Forwarded-For does not reset the count. After LOGIN_FAILURE_LIMIT
# failures within LOGIN_COOLOFF_MINUTES that username is refused (429, the time to come back)
# until the cool-off has passed since its last failure; refused attempts do not extend it, so
# the time shown holds. A successful login clears the username's failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)  # 0 would lock out everyone
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "quiz.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "quiz.lockout.client_ip"
# Successful logins are not logged (axes' AccessLog): only failures are needed, and a table of
# every student's logins with address and browser is personal data kept for nothing.
AXES_DISABLE_ACCESS_LOG = True
# axes.W006 warns when the address is not a lockout key, for keys (a user agent, a cookie)
# that a client can change at will. Ours is the username alone, summed over every address:
# changing anything but the username changes nothing, and adding the address would lock a
# whole classroom out behind its one address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Addresses (or networks, e.g. 10.0.0.0/8) of reverse proxies whose X-Forwarded-For is
# believed; none by default, so the header is ignored. With a proxy listed, the client is
# the right-most address in the header that is not itself a listed proxy.
try:
    TRUSTED_PROXIES = [ip_network(p, strict=False) for p in env_list("TRUSTED_PROXIES", [])]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must list addresses or networks: {exc}") from None

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "quiz:landing"  # staff to their page, students to their quizzes
LOGOUT_REDIRECT_URL = "login"

# Mail, for "Forgot password?": Django's own settings, from the environment. EMAIL_HOST names
# the SMTP server; without one, mail is printed to the console under DEBUG (`make run`), and
# otherwise the login page asks students to get a set-password link from their teacher
# instead of offering a reset mail nobody would send.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both (EMAIL_USE_TLS=0).")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Article quizzes <noreply@localhost>")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
PASSWORD_RESET_BY_MAIL = bool(EMAIL_HOST) or DEBUG or "EMAIL_BACKEND" in os.environ

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Shared school computers: a session ends with the browser, after SESSION_IDLE_TIMEOUT
# seconds without a request (0: never), and SESSION_COOKIE_AGE seconds after its login
# however active it is (quiz/session_limits.py enforces both; the idle time is kept to the
# minute). Eight hours and half an hour by default.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=0)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Production-safe defaults; each can be turned off behind a proxy that terminates TLS itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# No inline scripts or styles anywhere: htmx's eval and indicator styles are off in base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}


def env_share(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        share = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number such as 0.9, not {value!r}") from None
    if not 0.7 <= share <= 0.97:
        raise ImproperlyConfigured(f"{name} must be between 0.7 and 0.97, not {share}")
    return share


# Spaced practice (quiz/memory.py): the share of questions a student should still recall when
# each comes due. Higher means shorter intervals and more reviews; FSRS's default is 0.9.
DESIRED_RETENTION = env_share("DESIRED_RETENTION", 0.9)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # The request log's lines are JSON already: nothing around them, on standard output.
        "requests": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        },
    },
    "loggers": {
        "quiz.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
