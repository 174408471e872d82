"""Settings as ``startproject`` writes them, plus DRF and simplejwt configured from their docs.

simplejwt verifies the Better Auth tokens with ``JWTStatelessUserAuthentication``: no
users table, the ``sub`` claim is the user. Environment: ``REFERENCE_DATABASE_PATH``,
``BETTER_AUTH_JWKS``, ``JWT_ISSUER``, ``JWT_AUDIENCE``, ``SECRET_KEY``, ``ALLOWED_HOSTS``.
"""

import os

import jwt
from cryptography.hazmat.primitives import serialization


def public_key_pem(jwks: str) -> str:
    """The JWKS's EdDSA public key as the PEM simplejwt's ``VERIFYING_KEY`` takes."""
    key = next(k for k in jwt.PyJWKSet.from_json(jwks).keys if k.algorithm_name == "EdDSA")
    return key.key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


SECRET_KEY = os.environ.get("SECRET_KEY", "reference-stack-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "bench.reference.drf.tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.reference.drf.urls"

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

WSGI_APPLICATION = "bench.reference.drf.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["REFERENCE_DATABASE_PATH"],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# simplejwt 5.5.1 accepts EdDSA as it is (its ALLOWED_ALGORITHMS include PyJWT's
# requires_cryptography set). Migrations run without keys; a server without them refuses every token.
_jwks = os.environ.get("BETTER_AUTH_JWKS")
SIMPLE_JWT = {
    "ALGORITHM": "EdDSA",
    "SIGNING_KEY": None,  # Better Auth issues the tokens; this service only verifies them.
    "VERIFYING_KEY": public_key_pem(_jwks) if _jwks else None,
    "ISSUER": os.environ.get("JWT_ISSUER"),
    "AUDIENCE": os.environ.get("JWT_AUDIENCE"),
    "USER_ID_CLAIM": "sub",
    # Better Auth's tokens are access tokens without simplejwt's own type and jti claims.
    "TOKEN_TYPE_CLAIM": None,
    "JTI_CLAIM": None,
}
