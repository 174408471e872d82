"""Settings for the task API, read once from the environment (see .env.example).

One module for every environment: what differs in production is set by
environment variables, never by another settings file.
"""

import os
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


def _read(name: str, cast: type, default: object) -> object:
    """One variable, cast, with a one-line error naming it when the value is bad."""
    try:
        return env.get_value(name, cast=cast, default=default)
    except (ValueError, TypeError) as e:
        raise ImproperlyConfigured(f"{name} has an invalid value: expected {cast.__name__}.") from e


# GENERAL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = _read("DEBUG", bool, False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (try: make run, which writes a .env).")
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 (DEBUG only)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
ROOT_URLCONF = "todo_project.urls"
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
    "corsheaders",
    "rest_framework",
    "authn",
    "tasks",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "todo_project.middleware.JSONErrorsForAPIMiddleware",
]
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
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _read("CONN_MAX_AGE", int, 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that cannot be reached answers 503 quickly instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 2

# CACHE
# ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# AUTHENTICATION (Better Auth)
# ------------------------------------------------------------------------------
# Validated by authn's system checks (authn.E001…); see authn/conf.py for defaults.
AUTHN = {
    "BETTER_AUTH_URL": env.str("BETTER_AUTH_URL", default=""),
    "JWKS_URL": env.str("BETTER_AUTH_JWKS_URL", default=""),
    "JWKS": env.str("BETTER_AUTH_JWKS", default=""),
    "SECRET": env.str("BETTER_AUTH_SECRET", default=""),
    # Unset: expect BETTER_AUTH_URL; an empty value: do not check.
    "ISSUER": env.str("JWT_ISSUER", default=None),
    "AUDIENCE": env.str("JWT_AUDIENCE", default=None),
    "ALGORITHMS": env.list("JWT_ALGORITHMS", default=[]),
    "LEEWAY_SECONDS": _read("JWT_LEEWAY_SECONDS", int, 30),
    "JWKS_CACHE_SECONDS": _read("JWKS_CACHE_SECONDS", int, 300),
    "JWKS_MAX_STALE_SECONDS": _read("JWKS_MAX_STALE_SECONDS", int, 900),
    "JWKS_COOLDOWN_SECONDS": _read("JWKS_COOLDOWN_SECONDS", int, 5),
    "JWKS_TIMEOUT_SECONDS": _read("JWKS_TIMEOUT_SECONDS", float, 3.0),
}

# REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The JWT class is the only API authenticator: no session cookie is ever
    # accepted by the API, and a missing token answers 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": ["authn.authentication.BetterAuthJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "todo_project.exceptions.api_exception_handler",
}

# CORS (django-cors-headers)
# ------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = ["authorization", "content-type", "if-match", "x-request-id"]
CORS_EXPOSE_HEADERS = ["Link", "Location", "Retry-After", "X-Total-Count", "ETag", "X-Request-ID"]
# Bearer tokens, not cookies: a browser never sends credentials cross-origin.
CORS_ALLOW_CREDENTIALS = False

# SECURITY
# ------------------------------------------------------------------------------
# TLS usually ends at the reverse proxy, so the redirect is opt-in (CONTRACT.md).
SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT", bool, False)
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# STATIC FILES
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _read("LOG_LEVEL", str, "INFO")},
}
