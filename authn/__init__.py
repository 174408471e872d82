"""Better Auth JWT authentication for Django REST Framework (distribution: drf-better-auth-jwt).

Hosts import from here, and only the names in ``__all__``; the submodules are
the package's own and may change in any release. Names load on first use, so
``import authn`` needs no configured settings, and the dotted paths Django and
DRF settings take work too: ``"authn.BetterAuthJWTAuthentication"``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Public name -> (submodule, name there). authn/README.md, "Public API", says what each is for.
_EXPORTS: dict[str, tuple[str, str]] = {
    # Plugged into DRF and Django
    "BetterAuthJWTAuthentication": ("authentication", "BetterAuthJWTAuthentication"),
    "BrowsableAPITokenAuthentication": ("browsable", "BrowsableAPITokenAuthentication"),
    "TokenBoxBrowsableAPIRenderer": ("browsable", "TokenBoxBrowsableAPIRenderer"),
    "IsPathOwner": ("permissions", "IsPathOwner"),
    "BetterAuthUser": ("user", "BetterAuthUser"),
    "user_deleted": ("signals", "user_deleted"),
    # For a host's views, middleware and limits
    "refuse_token": ("authentication", "refuse_token"),
    "report_rate_limited": ("authentication", "report_rate_limited"),
    "SESSION_ENDED": ("revocation", "SESSION_ENDED"),
    "REALM": ("authentication", "REALM"),
    "TOKEN_COOKIE_NAME": ("browsable", "COOKIE_NAME"),
    "client_address": ("budget", "client_address"),
    # The process-wide objects built from settings.AUTHN (readiness checks, metrics)
    "get_verifier": ("runtime", "get_verifier"),
    "get_revocation_feed": ("runtime", "get_revocation_feed"),
    "get_observer": ("runtime", "get_observer"),
    # Tokens shaped like Better Auth's, for tests and tools
    "mint_token": ("testing", "mint_token"),
    "better_auth_claims": ("claims", "better_auth_claims"),
    # Verification without settings: the parts get_verifier() assembles
    "TokenVerifier": ("verifier", "TokenVerifier"),
    "VerifierConfig": ("verifier", "VerifierConfig"),
    "StaticKeySource": ("keys", "StaticKeySource"),
    "RemoteKeySource": ("keys", "RemoteKeySource"),
    "VerifiedTokenCache": ("token_cache", "VerifiedTokenCache"),
    "RevocationFeed": ("revocation", "RevocationFeed"),
    "FeedPageVerifier": ("feed_page", "FeedPageVerifier"),
    "Observer": ("observer", "Observer"),
    "InvalidToken": ("errors", "InvalidToken"),
    "Refusal": ("errors", "Refusal"),
    "DependencyUnavailable": ("errors", "DependencyUnavailable"),
    "KeySourceUnavailable": ("errors", "KeySourceUnavailable"),
    "RevocationsUnavailable": ("errors", "RevocationsUnavailable"),
    # A host's own outages logged as authn logs its own: one WARNING a minute
    "ThrottledWarning": ("throttled_warning", "ThrottledWarning"),
}
__all__ = [
    "REALM",
    "SESSION_ENDED",
    "TOKEN_COOKIE_NAME",
    "BetterAuthJWTAuthentication",
    "BetterAuthUser",
    "BrowsableAPITokenAuthentication",
    "DependencyUnavailable",
    "FeedPageVerifier",
    "InvalidToken",
    "IsPathOwner",
    "KeySourceUnavailable",
    "Observer",
    "Refusal",
    "RemoteKeySource",
    "RevocationFeed",
    "RevocationsUnavailable",
    "StaticKeySource",
    "ThrottledWarning",
    "TokenBoxBrowsableAPIRenderer",
    "TokenVerifier",
    "VerifiedTokenCache",
    "VerifierConfig",
    "better_auth_claims",
    "client_address",
    "get_observer",
    "get_revocation_feed",
    "get_verifier",
    "mint_token",
    "refuse_token",
    "report_rate_limited",
    "user_deleted",
]

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ imports on demand
    from .authentication import REALM, BetterAuthJWTAuthentication, refuse_token, report_rate_limited
    from .browsable import COOKIE_NAME as TOKEN_COOKIE_NAME
    from .browsable import BrowsableAPITokenAuthentication, TokenBoxBrowsableAPIRenderer
    from .budget import client_address
    from .claims import better_auth_claims
    from .errors import DependencyUnavailable, InvalidToken, KeySourceUnavailable, Refusal, RevocationsUnavailable
    from .feed_page import FeedPageVerifier
    from .keys import RemoteKeySource, StaticKeySource
    from .observer import Observer
    from .permissions import IsPathOwner
    from .revocation import SESSION_ENDED, RevocationFeed
    from .runtime import get_observer, get_revocation_feed, get_verifier
    from .signals import user_deleted
    from .testing import mint_token
    from .throttled_warning import ThrottledWarning
    from .token_cache import VerifiedTokenCache
    from .user import BetterAuthUser
    from .verifier import TokenVerifier, VerifierConfig


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'authn' has no attribute {name!r}") from None
    value = getattr(import_module(f".{module}", __name__), attribute)
    globals()[name] = value  # found once; later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
