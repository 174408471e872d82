from importlib.util import find_spec

from django.apps import AppConfig


class AuthnConfig(AppConfig):
    """Better Auth JWT authentication for Django REST Framework."""

    name = "authn"
    verbose_name = "Better Auth JWT"

    def ready(self) -> None:
        # The system checks register themselves; runtime resets the process-wide objects when AUTHN changes.
        from . import checks, runtime  # noqa: F401

        if find_spec("drf_spectacular") is not None:  # optional: the bearerAuth scheme in OpenAPI documents
            from . import schema  # noqa: F401
