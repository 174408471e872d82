"""Whatever text arrives as a token, verification answers with a refusal, never a crash."""

import pytest

# Reported in the summary (-ra) when missing: pip install hypothesis (README.md, "Running the package's tests").
pytest.importorskip("hypothesis", reason="the property tests need hypothesis: pip install hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st

from authn.errors import InvalidToken, KeySourceUnavailable
from authn.keys import StaticKeySource
from authn.verifier import TokenVerifier, VerifierConfig

from .conftest import BETTER_AUTH_URL, SECRET

segment = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.", max_size=60)


def verifier(jwks) -> TokenVerifier:
    config = VerifierConfig(frozenset({"EdDSA", "HS256"}), SECRET, BETTER_AUTH_URL, BETTER_AUTH_URL, 5)
    return TokenVerifier(config, key_sources=[StaticKeySource(jwks)])


@settings(max_examples=500, deadline=None)
@given(token=st.one_of(st.text(max_size=300), st.builds(lambda a, b, c: f"{a}.{b}.{c}", segment, segment, segment)))
def test_arbitrary_text_is_refused_cleanly(token):
    try:
        verifier({"keys": []}).verify(token)
    except (InvalidToken, KeySourceUnavailable):
        return
    raise AssertionError("a made-up token verified")


@settings(max_examples=200, deadline=None)
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "typ", "crit", "jku", "jwk"]), st.text(max_size=10) | st.integers() | st.none()
    )
)
def test_arbitrary_headers_on_a_real_signature_never_crash(header):
    import base64
    import json

    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    try:
        verifier({"keys": []}).verify(f"{encoded}.e30.c2ln")
    except (InvalidToken, KeySourceUnavailable):
        return
    raise AssertionError("verified")
