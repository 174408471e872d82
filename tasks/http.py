"""The one place the task domain's errors (``errors.py``) become HTTP answers; the bodies are the contract's."""

from rest_framework import exceptions, status
from rest_framework.request import Request

from authn import SESSION_ENDED, refuse_token

from .errors import TaskChanged, TaskError, TaskNotFound, UserDeleted


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Precondition failed - the task changed since you read it; reload it and retry"
    default_code = "precondition_failed"


def http_error(exc: TaskError, request: Request) -> exceptions.APIException:
    """The DRF exception the API answers ``exc`` with (docs/api.md, "Errors")."""
    if isinstance(exc, TaskNotFound):
        return exceptions.NotFound()
    if isinstance(exc, TaskChanged):
        return PreconditionFailed()
    if isinstance(exc, UserDeleted):
        return _refused(request)
    raise TypeError(f"no HTTP answer for {type(exc).__name__}") from exc


def _refused(request: Request) -> exceptions.APIException:
    """A deleted user's token is void: 401 with RFC 6750's header, as authentication itself would answer."""
    try:
        refuse_token(request, SESSION_ENDED)  # always raises, having noted the refusal for the header and the audit
    except exceptions.AuthenticationFailed as refusal:
        return refusal
    raise AssertionError("refuse_token returned")
