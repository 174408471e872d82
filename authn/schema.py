"""OpenAPI: the bearer-token security scheme, so "Authorize" in Swagger UI takes a Better Auth JWT."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BetterAuthJWTScheme(OpenApiAuthenticationExtension):
    target_class = "authn.authentication.BetterAuthJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Better Auth JWT (GET {BETTER_AUTH_URL}/api/auth/token).",
        }
