"""The smallest project authn's tests need: DRF, authn, two views, and nothing of any host.

The authentication and renderer classes are named by their public paths
(``authn.BetterAuthJWTAuthentication``), as authn/README.md tells hosts to.
"""

SECRET_KEY = "authn-tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = f"{__package__}.urls"  # authn.tests.urls in the repository, tests.urls in a copy
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",  # DRF's AnonymousUser for requests without a token
    "rest_framework",
    "authn",
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # A cache every process shares through the database (test_budget.py); its table is made with the test database.
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "authn_test_counters"},
}
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The tests' autouse fixture (conftest.py) replaces it with an offline key set and secret.
AUTHN = {"BETTER_AUTH_URL": "http://auth.test"}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "authn.BetterAuthJWTAuthentication",
        "authn.BrowsableAPITokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "authn.TokenBoxBrowsableAPIRenderer",
    ],
}
