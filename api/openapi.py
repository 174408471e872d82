"""OpenAPI pieces shared by every endpoint: the contract's error body and its responses."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .exceptions import ERROR_TYPES


class ErrorSerializer(serializers.Serializer):
    """The one error shape (docs/api.md, "Errors")."""

    detail = serializers.CharField()
    status_code = serializers.IntegerField()
    error_type = serializers.ChoiceField(choices=list(dict.fromkeys(ERROR_TYPES.values())))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: messages per field",
    )


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


AUTH_ERRORS = {
    401: error("No token, or a token that is malformed, expired, badly signed or from another issuer"),
    429: error("Too many requests; see Retry-After"),
    503: error("The key set or the database cannot be reached; retry after Retry-After"),
}
OWNER_ERRORS = {**AUTH_ERRORS, 403: error("{user_id} in the path is not the token's subject")}
TASK_ERRORS = {**OWNER_ERRORS, 404: error("No such task for this user")}
INPUT_ERRORS = {400: error("Invalid body or query; field messages under errors")}
