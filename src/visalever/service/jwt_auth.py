"""Bearer JWTs from an organisation's identity provider, as an alternative to visalever's own tokens.

Configured at `serve` through the environment (so every worker process reads the same settings):

- `VISALEVER_JWT_ISSUER`: the `iss` every token must carry (required to switch JWTs on);
- `VISALEVER_JWT_JWKS`: a JWKS file (the identity provider's public keys; nothing is fetched);
- `VISALEVER_JWT_AUDIENCE`: the `aud` tokens must carry (optional; when unset, tokens carrying an
  `aud` are refused, as PyJWT does);
- `VISALEVER_JWT_ROLE_CLAIM`: the claim naming the caller's role (default `visalever_role`; a string
  or a list of strings, e.g. a groups claim);
- `VISALEVER_JWT_ROLE_MAP`: optional `idp-value=role,...` mapping the provider's values to the five
  roles; without it the claim must hold a role name itself.

A token is verified with PyJWT (signature with the JWKS key named by `kid`, asymmetric algorithms
only, `exp` required, `iss` and `aud` checked, 30 s leeway for clock skew). It must map to exactly
one of the five roles. Its principal id is `jwt:<sub>` (hashed when long), which owns reforms and
signs audit entries like a token id. Such tokens cannot be revoked here: the provider's short expiry
is the control (revoke the user at the provider).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visalever.errors import InputError

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
DEFAULT_ROLE_CLAIM = "visalever_role"
LEEWAY_S = 30


class JwtRefused(Exception):
    """A JWT that is not acceptable; the message says why (never echoing the token)."""


@dataclass
class JwtVerifier:
    """Verifies bearer JWTs from one issuer against the keys of a JWKS file."""

    issuer: str
    jwks_path: str
    audience: str | None = None
    role_claim: str = DEFAULT_ROLE_CLAIM
    role_map: dict[str, str] = field(default_factory=dict)
    _keys: dict[str | None, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        import jwt

        from visalever.service.tokens import ROLES

        try:
            data = json.loads(Path(self.jwks_path).read_text(encoding="utf-8"))
            jwks = jwt.PyJWKSet.from_dict(data)
        except (OSError, ValueError, jwt.PyJWTError) as err:
            raise InputError(f"cannot read the JWKS file: {err}", location="VISALEVER_JWT_JWKS") from None
        self._keys = {key.key_id: key for key in jwks.keys}
        for value, role in self.role_map.items():
            if role not in ROLES:
                raise InputError(f"{value}={role}: {role!r} is not one of {', '.join(ROLES)}",
                                 location="VISALEVER_JWT_ROLE_MAP")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> JwtVerifier | None:
        """The verifier configured in the environment, or None when `VISALEVER_JWT_ISSUER` is unset."""
        env = dict(os.environ if env is None else env)
        issuer = env.get("VISALEVER_JWT_ISSUER")
        if not issuer:
            return None
        jwks = env.get("VISALEVER_JWT_JWKS")
        if not jwks:
            raise InputError("VISALEVER_JWT_JWKS (a JWKS file) is required with VISALEVER_JWT_ISSUER",
                             location="VISALEVER_JWT_JWKS")
        mapping: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in env.get("VISALEVER_JWT_ROLE_MAP", "").split(","))):
            value, sep, role = item.rpartition("=")
            if not sep or not value:
                raise InputError(f"{item!r} is not idp-value=role", location="VISALEVER_JWT_ROLE_MAP")
            mapping[value.strip()] = role.strip()
        return cls(issuer=issuer, jwks_path=jwks, audience=env.get("VISALEVER_JWT_AUDIENCE") or None,
                   role_claim=env.get("VISALEVER_JWT_ROLE_CLAIM") or DEFAULT_ROLE_CLAIM, role_map=mapping)

    def verify(self, token: str) -> tuple[str, str]:
        """(principal id, role) for a valid token; `JwtRefused` saying why otherwise."""
        import jwt

        from visalever.service.tokens import ROLES

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise JwtRefused("not a valid JWT") from None
        key = self._keys.get(header.get("kid"))
        if key is None and header.get("kid") is None and len(self._keys) == 1:
            key = next(iter(self._keys.values()))
        if key is None:
            raise JwtRefused(f"JWT key id {str(header.get('kid'))[:64]!r} is not in the configured JWKS")
        try:
            claims = jwt.decode(token, key=key, algorithms=ALGORITHMS, issuer=self.issuer,
                                audience=self.audience, leeway=LEEWAY_S,
                                options={"require": ["exp", "iss", "sub"]})
        except jwt.ExpiredSignatureError:
            raise JwtRefused("JWT expired") from None
        except jwt.PyJWTError as err:
            raise JwtRefused(f"JWT refused: {err}") from None
        raw = claims.get(self.role_claim)
        values = [raw] if isinstance(raw, str) else (raw if isinstance(raw, list) else [])
        roles = set()
        for value in values:
            if not isinstance(value, str):
                continue
            role = self.role_map.get(value) if self.role_map else value
            if role in ROLES:
                roles.add(role)
        if len(roles) != 1:
            found = "no role" if not roles else f"several roles ({', '.join(sorted(roles))})"
            raise JwtRefused(f"JWT claim {self.role_claim!r} maps to {found}; expected exactly one of "
                             f"{', '.join(ROLES)}")
        return principal_id(str(claims["sub"])), roles.pop()


def principal_id(subject: str) -> str:
    """`jwt:<sub>`, or `jwt:` and a hash of `sub` when that would not fit a token id (40 characters)."""
    if len(subject) <= 36 and subject.isprintable():
        return f"jwt:{subject}"
    return "jwt:" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:36]


def looks_like_jwt(token: str) -> bool:
    """Three base64url parts separated by dots (visalever's own tokens have none)."""
    return token.count(".") == 2 and not token.startswith("vl_")
