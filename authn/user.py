"""The user a verified token describes, built from its claims alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NoReturn

_NO_ROW = "Better Auth users have no database row here; tasks reference them by id."


@dataclass(frozen=True, eq=False)
class BetterAuthUser:
    """A stateless, authenticated user modelled on Django's ``AnonymousUser``."""

    id: str
    email: str = ""
    name: str = ""
    email_verified: bool = False
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False)

    # Better Auth only issues tokens to users it lets in, so a verified token
    # means an active user.
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> BetterAuthUser:
        """Build the user from verified claims; ``sub`` is the id (docs/api.md, "Authentication")."""
        return cls(
            id=claims["sub"],
            email=_text(claims.get("email")),
            name=_text(claims.get("name")),
            email_verified=claims.get("emailVerified") is True,
            claims=MappingProxyType(dict(claims)),
        )

    @property
    def pk(self) -> str:
        return self.id

    @property
    def username(self) -> str:
        return self.email or self.id

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return self.email or self.id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BetterAuthUser) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perm_list: object, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def save(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(_NO_ROW)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(_NO_ROW)

    def set_password(self, raw_password: str) -> NoReturn:
        raise NotImplementedError(_NO_ROW)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
