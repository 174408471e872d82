"""Every refusal is a named case with one code and one description; nothing is looked up by text.

The codes are metric labels (``authn_tokens_refused_total{reason}``) and audit
``reason`` values that dashboards and alerts match on, so they are held here.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

import authn
from authn import SESSION_ENDED, InvalidToken, Refusal, refuse_token
from authn import authentication as authentication_module
from authn import verifier as verifier_module

# The label values published since 0.1; a new refusal adds one, none is ever renamed.
PUBLISHED_CODES = {
    "bad_header",
    "malformed",
    "too_large",
    "algorithm_not_allowed",
    "critical_header",
    "no_key_id",
    "unknown_key",
    "algorithm_mismatch",
    "signature",
    "expired",
    "not_yet_valid",
    "issuer",
    "audience",
    "missing_claim",
    "no_subject",
    "invalid_subject",
    "claim_text",
    "issued_at",
    "time_claims",
    "too_long_lived",
    "invalid",
    "revoked",
    "no_session",
}
# RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash).
HEADER_SAFE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")


def test_the_codes_are_the_published_label_values():
    assert {refusal.code for refusal in Refusal} == PUBLISHED_CODES
    assert len({refusal.description for refusal in Refusal}) == len(Refusal)  # one description, one code


@pytest.mark.parametrize("refusal", list(Refusal), ids=lambda r: r.code)
def test_each_refusal_has_a_label_value_and_a_description_the_header_can_carry(refusal):
    assert re.fullmatch(r"[a-z][a-z_]*", refusal.code)
    assert HEADER_SAFE.fullmatch(refusal.description)
    assert Refusal(refusal.code) is refusal


def test_an_unknown_code_cannot_be_constructed():
    with pytest.raises(ValueError, match="no_such_code"):
        Refusal("no_such_code")


def test_text_that_is_no_refusals_description_is_an_error_not_a_silent_invalid():
    with pytest.raises(ValueError, match=r"not the description of an authn\.Refusal"):
        InvalidToken("The tokn has expired")
    request = Request(APIRequestFactory().get("/api/me"))
    with pytest.raises(ValueError, match=r"not the description of an authn\.Refusal"):
        refuse_token(request, "The session is over")


def test_the_published_description_still_names_its_refusal():
    """0.1 took the text: ``refuse_token(request, SESSION_ENDED)`` and ``InvalidToken("The token has expired")``."""
    assert InvalidToken(SESSION_ENDED).refusal is Refusal.SESSION_ENDED
    error = InvalidToken("The token has expired", reason="Signature has expired")
    assert (error.code, error.description, error.reason, str(error)) == (
        "expired",
        "The token has expired",
        "Signature has expired",
        "The token has expired",
    )


def _invalid_token_first_arguments() -> list[tuple[str, ast.expr]]:
    package = Path(authn.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        if "tests" in path.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InvalidToken":
                found.append((f"{path.name}:{node.lineno}", node.args[0]))
    return found


def test_every_refusal_the_package_raises_is_a_named_case():
    """No literal text anywhere: ``Refusal.<CASE>``, or a variable the tables below fill with Refusals."""
    raised = _invalid_token_first_arguments()
    assert len(raised) > 20  # the scan finds the package's refusals
    for where, argument in raised:
        if isinstance(argument, ast.Attribute):
            assert isinstance(argument.value, ast.Name) and argument.value.id == "Refusal", where
            assert argument.attr in Refusal.__members__, where
        else:
            assert isinstance(argument, ast.Name) and argument.id == "refusal", where
    for table in (verifier_module._CLAIM_ERRORS, verifier_module._SIGNATURE_ERRORS):
        assert all(isinstance(refusal, Refusal) for _, refusal in table)


class RecordingObserver:
    def __init__(self) -> None:
        self.refused: list[str] = []

    def token_refused(self, reason: str) -> None:
        self.refused.append(reason)


@pytest.mark.parametrize("refusal", list(Refusal), ids=lambda r: r.code)
def test_a_refusal_counts_and_audits_under_its_code_and_answers_its_description(refusal, monkeypatch, caplog):
    observer = RecordingObserver()
    monkeypatch.setattr(authentication_module, "get_observer", lambda: observer)
    request = Request(APIRequestFactory().get("/api/me", REMOTE_ADDR="203.0.113.7"))
    with caplog.at_level(logging.INFO, logger="authn.audit"), pytest.raises(AuthenticationFailed):
        refuse_token(request, refusal)
    assert observer.refused == [refusal.code]
    (record,) = [r for r in caplog.records if r.name == "authn.audit"]
    assert record.reason == refusal.code
    header = authentication_module.BetterAuthJWTAuthentication().authenticate_header(request)
    assert header == f'Bearer realm="api", error="invalid_token", error_description="{refusal.description}"'


def test_a_dependency_that_is_down_is_either_the_key_set_or_the_feed_never_both():
    """Both answer 503 with Retry-After; only a key-set outage leaves the signature unchecked (and is charged)."""
    assert issubclass(authn.KeySourceUnavailable, authn.DependencyUnavailable)
    assert issubclass(authn.RevocationsUnavailable, authn.DependencyUnavailable)
    assert not issubclass(authn.RevocationsUnavailable, authn.KeySourceUnavailable)
