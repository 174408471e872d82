"""Settings for the task API, read once from the environment (see .env.example).

One module for every environment: what differs in production is set by
environment variables, never by another settings file.
"""

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (made by `make run`) fills in what the real environment leaves unset.
# ENV_FILE names another file; an empty ENV_FILE reads none.
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE, overwrite=False)
# .env.example's promise: an empty value means unset, so a copy of it with only the required
# values filled starts as if the others were absent. The one exception: JWT_ISSUER and
# JWT_AUDIENCE set but empty turn their check off (authn.W001), so only they keep "".
_EMPTY_IS_A_VALUE = frozenset({"JWT_ISSUER", "JWT_AUDIENCE"})
env.ENVIRON = {name: value for name, value in os.environ.items() if value or name in _EMPTY_IS_A_VALUE}


def _read(name: str, cast: type, default: object) -> object:
    """One variable, cast, with a one-line error naming it when the value is bad."""
    try:
        return env.get_value(name, cast=cast, default=default)
    except (ValueError, TypeError) as e:
        raise ImproperlyConfigured(f"{name} has an invalid value: expected {cast.__name__}.") from e


def _read_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of addresses or networks (CIDR), each checked here, not at the first request."""
    networks = env.list(name, default=default)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as e:
            raise ImproperlyConfigured(f"{name} has an entry that is not an address or network: {network!r}.") from e
    return networks


def _read_set(name: str) -> str | None:
    """The value as given, "" included (django-environ reads "" as unset), or None when unset."""
    return env.ENVIRON.get(name)


# GENERAL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = _read("DEBUG", bool, False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (try: make run, which writes a .env).")
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 (DEBUG only)
# Rotated-out keys, still accepted when checking a signature (e.g. a backup's manifest made before the rotation).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
ROOT_URLCONF = "todo_project.urls"
# Where the API lives: its URLs, CORS, the JSON errors, private caching and the browsable API's cookie all follow it.
API_PREFIX = "/api/"
WSGI_APPLICATION = "todo_project.wsgi.application"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# APPS AND MIDDLEWARE
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",  # Django's own users: admin staff only, never API users
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_ratelimit",
    "axes",  # failed admin sign-ins, see ADMIN SIGN-IN LOCKOUT
    "corsheaders",
    # Before rest_framework, so its templates/rest_framework/api.html is the browsable API's page.
    "api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from here, not from a CDN
    "authn",
    "tasks",
    "backups",  # manage.py backup / restore: both databases (docs/backup-restore.md)
]
MIDDLEWARE = [
    "api.proxies.TrustedProxyMiddleware",
    "api.request_log.RequestLogMiddleware",
    "api.middleware.PrivateAPIResponsesMiddleware",
    "api.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # OPTIONS: DRF's JSON metadata from the API's views, a JSON 405 from every other page (api/options.py).
    "api.options.OptionsMiddleware",
    "api.middleware.MissingCredentialsMiddleware",
    # For the admin and the browsable API's pages; bearer-token API calls skip these three (page_middleware.py).
    "api.page_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # DRF's views are csrf_exempt
    "api.page_middleware.AuthenticationMiddleware",
    "api.page_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After (inside) the others, so its lockout page gets their headers too.
    "axes.middleware.AxesMiddleware",
    "api.middleware.JSONErrorsForAPIMiddleware",
]
if DEBUG:  # a host not allowed is then Django's technical page; under the API it stays JSON
    MIDDLEWARE.insert(
        MIDDLEWARE.index("api.middleware.BodySizeLimitMiddleware"), "api.middleware.DebugHostCheckMiddleware"
    )
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
            ],
        },
    },
]

# DATABASE
# ------------------------------------------------------------------------------
# Unset DATABASE_URL means the embedded SQLite file; postgres://… means PostgreSQL (psycopg 3).
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE transactions plus a
    # busy timeout make concurrent writers wait instead of failing "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Opening SQLite per request costs more than the query; keep it per worker thread.
    DATABASES["default"]["CONN_MAX_AGE"] = _read("CONN_MAX_AGE", int, 60)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _read("CONN_MAX_AGE", int, 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that cannot be reached answers 503 quickly instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 2
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Its OpClass() writes the SQL of the trigram indexes that serve ?search= (tasks migration 0004).
    INSTALLED_APPS.append("django.contrib.postgres")

# Single-task and list reads run SQL compiled once per query shape (tasks/precompiled.py); off: the public QuerySet API.
TASKS_PRECOMPILED_SQL = _read("PRECOMPILED_SQL", bool, True)

# CACHE AND RATE LIMITS
# ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rate-limit counters must be shared by every process: Redis (falling back to
    # per-process memory while it is down), or else the database.
    "ratelimit": {"BACKEND": "api.counter_cache.FailoverRedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "api.counter_cache.DatabaseCounterCache"},
}
RATELIMIT_USE_CACHE = "ratelimit"
RATE_LIMITS = {
    "reads": _read("RATE_LIMIT_READS", str, "600/m"),
    "writes": _read("RATE_LIMIT_WRITES", str, "120/m"),
    "anonymous": _read("RATE_LIMIT_ANONYMOUS", str, "60/m"),
}
for _name, _rate in RATE_LIMITS.items():
    if not re.fullmatch(r"\d+/(?:[1-9]\d*)?[smhd]", _rate):  # as authn.E009: a 0 s period divides by zero
        raise ImproperlyConfigured(f"RATE_LIMIT_{_name.upper()} must look like 600/m (count/period: s, m, h or d).")
# Addresses (or networks) of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.
TRUSTED_PROXIES = _read_networks("TRUSTED_PROXIES", [])
# Bodies are small JSON documents; anything larger is refused with 413 unread.
API_MAX_BODY_BYTES = _read("API_MAX_BODY_BYTES", int, 64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
SILENCED_SYSTEM_CHECKS = [
    # "Backend not officially supported": it knows django-redis, not Django's own
    # RedisCache nor our atomic database counters. Its real checks (E001-E003) stay on.
    "django_ratelimit.W001",
]

# METRICS (Prometheus, api/metrics.py)
# ------------------------------------------------------------------------------
# Off: /metrics is the JSON 404 of any unknown path. On: served to direct peers on these networks only.
METRICS_ENABLED = _read("METRICS_ENABLED", bool, False)
METRICS_ALLOWED_NETWORKS = _read_networks("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
# prometheus_client reads it too: set, every worker of the instance writes its counts there and
# /metrics sums them; unset, /metrics shows the counts of whichever worker answers.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if METRICS_ENABLED and PROMETHEUS_MULTIPROC_DIR and not os.path.isdir(PROMETHEUS_MULTIPROC_DIR):
    # Found out at the first request otherwise, as a 500 from every worker.
    raise ImproperlyConfigured(f"PROMETHEUS_MULTIPROC_DIR is not a directory: {PROMETHEUS_MULTIPROC_DIR}.")

# AUTHENTICATION (Better Auth)
# ------------------------------------------------------------------------------
# Validated by authn's system checks (authn.E001…); see authn/conf.py for defaults.
AUTHN = {
    "BETTER_AUTH_URL": env.str("BETTER_AUTH_URL", default=""),
    "JWKS_URL": env.str("BETTER_AUTH_JWKS_URL", default=""),
    "JWKS": env.str("BETTER_AUTH_JWKS", default=""),
    "SECRET": env.str("BETTER_AUTH_SECRET", default=""),
    # Unset: expect BETTER_AUTH_URL; an empty value: do not check.
    "ISSUER": _read_set("JWT_ISSUER"),
    "AUDIENCE": _read_set("JWT_AUDIENCE"),
    "ALGORITHMS": env.list("JWT_ALGORITHMS", default=[]),
    "LEEWAY_SECONDS": _read("JWT_LEEWAY_SECONDS", int, 30),
    "JWKS_CACHE_SECONDS": _read("JWKS_CACHE_SECONDS", int, 300),
    "JWKS_MAX_STALE_SECONDS": _read("JWKS_MAX_STALE_SECONDS", int, 900),
    "JWKS_COOLDOWN_SECONDS": _read("JWKS_COOLDOWN_SECONDS", int, 5),
    "JWKS_TIMEOUT_SECONDS": _read("JWKS_TIMEOUT_SECONDS", float, 3.0),
    # Verified tokens remembered (a browser reuses its token for minutes); 0 turns it off.
    "TOKEN_CACHE_SIZE": _read("TOKEN_CACHE_SIZE", int, 10000),
    "FAILURE_CACHE": RATELIMIT_USE_CACHE,
    # Refused credentials per client address; past it, 429 before any token is verified.
    "FAILURE_RATE": RATE_LIMITS["anonymous"],
    # Set (the same value as the web app's): sessions ended in Better Auth are refused within 2 s.
    "REVOCATION_FEED_SECRET": env.str("REVOCATION_FEED_SECRET", default=""),
    "REVOCATION_FEED_URL": env.str("REVOCATION_FEED_URL", default=""),
    "REVOCATION_MAX_STALE_SECONDS": _read("REVOCATION_MAX_STALE_SECONDS", float, 30.0),
    "METRICS": METRICS_ENABLED,
    "TOKEN_COOKIE_PATH": API_PREFIX,
}

# REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The JWT class comes first, so a missing token answers 401, not 403. No
    # session cookie is ever accepted by the API.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "authn.BetterAuthJWTAuthentication",
        # HTML pages of the browsable API only, CSRF-checked; see authn/browsable.py.
        "authn.BrowsableAPITokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "api.renderers.ORJSONRenderer",
        "authn.TokenBoxBrowsableAPIRenderer",
    ],
    # JSON clients' usual Accept headers skip DRF's parsing of them (negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.UserRateThrottle"],
}

# OPENAPI (drf-spectacular)
# ------------------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Tasks API",
    "DESCRIPTION": "Personal task lists behind Better Auth JWTs. Every call carries `Authorization: Bearer <JWT>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    # The browsable API's cookie is for browsers only, not part of the documented API.
    "AUTHENTICATION_WHITELIST": ["authn.BetterAuthJWTAuthentication"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False},
    "COMPONENT_SPLIT_REQUEST": True,
}

# CORS (django-cors-headers)
# ------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ORIGINS", default=[])
CORS_URLS_REGEX = rf"^{re.escape(API_PREFIX)}.*$"
CORS_ALLOW_HEADERS = ["authorization", "content-type", "if-match", "x-request-id"]
CORS_EXPOSE_HEADERS = ["Link", "Location", "Retry-After", "X-Total-Count", "ETag", "X-Request-ID"]
# Bearer tokens, not cookies: a browser never sends credentials cross-origin.
CORS_ALLOW_CREDENTIALS = False

# SECURITY
# ------------------------------------------------------------------------------
# TLS usually ends at the reverse proxy, so the redirect is opt-in (docs/security.md, "Security defaults").
SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT", bool, False)
# Behind a TLS-terminating proxy, its X-Forwarded-Proto tells Django the request came over HTTPS
# (HSTS, CSRF's origin check, absolute URLs); proxies.py drops it from any peer not in TRUSTED_PROXIES.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
# Origins (scheme://host[:port]) whose forms may post here besides the request's own, e.g. a proxy on another port.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "api.exceptions.csrf_failure"

# ADMIN SIGN-IN LOCKOUT (django-axes)
# ------------------------------------------------------------------------------
# Failed admin sign-ins are counted in the database, shared by every instance, per username
# and client address together: the limit refuses that address for that username (the right
# password too) until the cool-off has passed since the last refused try, and leaves the
# username free from every other address. Two ceilings bound what is left (api/admin_lockout.py):
# failures from one address over every username, and failures on one username from every
# address, which refuses only addresses the username has never signed in from. A successful
# sign-in clears its own pair's count. `manage.py axes_reset` (or axes_reset_ip,
# axes_reset_username) lifts a lockout.
ADMIN_LOGIN_FAILURE_LIMIT = _read("ADMIN_LOGIN_FAILURE_LIMIT", int, 5)
ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = _read("ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT", int, 20)
ADMIN_LOGIN_USERNAME_FAILURE_LIMIT = _read("ADMIN_LOGIN_USERNAME_FAILURE_LIMIT", int, 30)
ADMIN_LOGIN_COOLOFF_MINUTES = _read("ADMIN_LOGIN_COOLOFF_MINUTES", int, 15)
for _name in (
    "ADMIN_LOGIN_FAILURE_LIMIT",
    "ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT",
    "ADMIN_LOGIN_USERNAME_FAILURE_LIMIT",
    "ADMIN_LOGIN_COOLOFF_MINUTES",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
# Axes' backend goes first: it refuses a locked-out sign-in before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "api.admin_lockout.AdminSignInHandler"  # axes' database handler plus the two ceilings
AXES_FAILURE_LIMIT = ADMIN_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=ADMIN_LOGIN_COOLOFF_MINUTES)
# One count per username and address pair: a guesser locks out only the pair it guesses from.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True  # a try while locked out counts, so the wait restarts
# REMOTE_ADDR as TrustedProxyMiddleware left it: a client's own X-Forwarded-For never counts.
AXES_CLIENT_IP_CALLABLE = "authn.client_address"  # the one the API's budgets count by
AXES_LOCKOUT_CALLABLE = "api.admin_lockout.lockout_response"
AXES_VERBOSE = False  # no banner at every start; failures and lockouts are still logged

# STATIC FILES
# ------------------------------------------------------------------------------
# WhiteNoise serves the collected files (`manage.py collectstatic`), so the admin
# looks right with DEBUG off and no separate file server.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# LOGGING
# ------------------------------------------------------------------------------
# Plain lines for people, JSON lines (LOG_FORMAT=json) for log shippers; every
# line carries the request id. Django's own 4xx and access lines would repeat the
# request log, so only their errors are kept.
LOG_FORMAT = _read("LOG_FORMAT", str, "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "api.request_log.RequestIdFilter"}},
    "formatters": {
        "plain": {
            # Escapes line breaks in what clients control (paths, kids, subjects), so a line cannot be forged.
            "()": "api.request_log.PlainFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "api.request_log.JSONFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": _read("LOG_LEVEL", str, "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        # Failed admin sign-ins and lockouts are warnings; axes' bookkeeping at INFO is not kept.
        "axes": {"level": "WARNING"},
        # A Host this API does not serve is the client's mistake, answered 400 and in the request log;
        # Django's ERROR line with a traceback for it would let anyone fill the logs and page someone.
        "django.security.DisallowedHost": {"level": "CRITICAL"},
    },
}
