"""Bearer JWTs from an identity provider (issuer + JWKS file configured at serve, a claim mapped to the
five roles), verified with PyJWT, with keys these tests generate. Refused: expired, another issuer or
audience, a key not in the JWKS, `alg: none`, HS256 signed with the public key, no or several roles."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from tests.service.helpers import application, tokens_for
from tests.support.servers import ServeProcess

from visalever.errors import InputError
from visalever.service.jwt_auth import JwtRefused, JwtVerifier, principal_id

ISSUER = "https://idp.example.org/realms/home-office"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [
        {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key())), "kid": "rsa-1",
         "alg": "RS256", "use": "sig"},
        {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key())), "kid": "ec-1",
         "alg": "ES256", "use": "sig"},
    ]}
    path = Path(tmp_path_factory.mktemp("jwks")) / "jwks.json"
    path.write_text(json.dumps(jwks))
    return {"rsa": rsa_key, "ec": ec_key, "stranger": stranger, "jwks": str(path)}


def _token(keys: dict[str, Any], *, key: str = "rsa", kid: str | None = None, alg: str | None = None,
           **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "alice", "iat": now, "exp": now + 300, "visalever_role": "analyst",
            **claims}
    body = {k: v for k, v in body.items() if v is not None}
    alg = alg or ("ES256" if key == "ec" else "RS256")
    kid = kid or {"rsa": "rsa-1", "ec": "ec-1", "stranger": "rsa-1"}[key]
    return jwt.encode(body, keys[key], algorithm=alg, headers={"kid": kid})


def test_valid_tokens_map_to_a_role(keys: dict[str, Any]) -> None:
    v = JwtVerifier(issuer=ISSUER, jwks_path=keys["jwks"])
    assert v.verify(_token(keys)) == ("jwt:alice", "analyst")
    assert v.verify(_token(keys, key="ec", visalever_role=["caseworker", "unrelated"])) == ("jwt:alice",
                                                                                           "caseworker")
    mapped = JwtVerifier(issuer=ISSUER, jwks_path=keys["jwks"], role_claim="groups",
                         role_map={"/ho/caseworkers": "caseworker", "/ho/policy": "policy_admin"})
    assert mapped.verify(_token(keys, groups=["/ho/policy", "/staff"])) == ("jwt:alice", "policy_admin")
    aud = JwtVerifier(issuer=ISSUER, jwks_path=keys["jwks"], audience="visalever")
    assert aud.verify(_token(keys, aud="visalever"))[1] == "analyst"
    assert principal_id("x" * 100).startswith("jwt:") and len(principal_id("x" * 100)) <= 40


def _forged_alg_none(keys: dict[str, Any]) -> str:
    return jwt.encode({"iss": ISSUER, "sub": "mallory", "exp": int(time.time()) + 300,
                       "visalever_role": "policy_admin"}, None, algorithm="none", headers={"kid": "rsa-1"})


def _hs256_with_public_key(keys: dict[str, Any]) -> str:
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    public_pem = open(keys["jwks"]).read().encode()  # any bytes an attacker can see
    head = b64(json.dumps({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}).encode())
    body = b64(json.dumps({"iss": ISSUER, "sub": "mallory", "exp": int(time.time()) + 300,
                           "visalever_role": "policy_admin"}).encode())
    sig = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


REFUSED = {
    "expired": (lambda k: _token(k, exp=int(time.time()) - 120), "expired"),
    "another issuer": (lambda k: _token(k, iss="https://evil.example"), "issuer"),
    "unknown key id": (lambda k: _token(k, kid="other"), "JWKS"),
    "signed by a stranger": (lambda k: _token(k, key="stranger"), "refused"),
    "alg none": (_forged_alg_none, "refused"),
    "HS256 with public key": (_hs256_with_public_key, "refused"),
    "no role": (lambda k: _token(k, visalever_role=None), "no role"),
    "unknown role": (lambda k: _token(k, visalever_role="root"), "no role"),
    "several roles": (lambda k: _token(k, visalever_role=["analyst", "policy_admin"]), "several"),
    "no exp": (lambda k: _token(k, exp=None), "exp"),
    "unexpected audience": (lambda k: _token(k, aud="someone-else"), "audience"),
    "garbage": (lambda k: "a.b.c", "JWT"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_tokens_are_refused(keys: dict[str, Any], case: str) -> None:
    make, why = REFUSED[case]
    v = JwtVerifier(issuer=ISSUER, jwks_path=keys["jwks"])
    with pytest.raises(JwtRefused, match=why):
        v.verify(make(keys))


def test_configuration_errors(keys: dict[str, Any], tmp_path: Path) -> None:
    assert JwtVerifier.from_env({}) is None
    with pytest.raises(InputError, match="VISALEVER_JWT_JWKS"):
        JwtVerifier.from_env({"VISALEVER_JWT_ISSUER": ISSUER})
    with pytest.raises(InputError, match="JWKS"):
        JwtVerifier.from_env({"VISALEVER_JWT_ISSUER": ISSUER, "VISALEVER_JWT_JWKS": str(tmp_path / "none")})
    with pytest.raises(InputError, match="ROLE_MAP"):
        JwtVerifier.from_env({"VISALEVER_JWT_ISSUER": ISSUER, "VISALEVER_JWT_JWKS": keys["jwks"],
                              "VISALEVER_JWT_ROLE_MAP": "/ho/admins=superuser"})
    v = JwtVerifier.from_env({"VISALEVER_JWT_ISSUER": ISSUER, "VISALEVER_JWT_JWKS": keys["jwks"],
                              "VISALEVER_JWT_ROLE_CLAIM": "groups",
                              "VISALEVER_JWT_ROLE_MAP": "a=viewer, b=auditor"})
    assert v is not None and v.role_map == {"a": "viewer", "b": "auditor"} and v.role_claim == "groups"


@pytest.fixture(scope="module")
def jwt_server(keys: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    db_url = f"sqlite:///{Path(tmp_path_factory.mktemp('jwtsvc')) / 'service.db'}"
    tokens = tokens_for(db_url)
    env = {"VISALEVER_JWT_ISSUER": ISSUER, "VISALEVER_JWT_JWKS": keys["jwks"]}
    with ServeProcess(db_url, workers=2, extra_env=env) as server:
        yield server.base_url, tokens


def test_served_with_an_identity_provider(keys: dict[str, Any], jwt_server: tuple[str, dict]) -> None:
    url, tokens = jwt_server

    def call(method: str, path: str, token: str, body: Any = None) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=30) as c:
            return c.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})

    caseworker = _token(keys, key="ec", sub="bob", visalever_role="caseworker")
    r = call("POST", "/v1/decisions", caseworker, application("jwt-1"))  # the ASGI fast path
    assert r.status_code == 200, r.text
    analyst = _token(keys, visalever_role="analyst")
    assert call("POST", "/v1/decisions", analyst, application("jwt-2")).status_code == 403
    assert call("GET", "/v1/reforms", analyst).status_code == 200
    up = httpx.post(url + "/v1/reforms", timeout=30, headers={"Authorization": f"Bearer {analyst}"},
                    content=b"id: jwt-reform\nextends: uk-statutory\nstatus: scenario\nnote: test\n")
    assert up.status_code == 201 and up.json()["owner"] == "jwt:alice"
    expired = _token(keys, exp=int(time.time()) - 120)
    r = call("GET", "/v1/reforms", expired)
    assert r.status_code == 401 and "expired" in r.json()["error"]
    assert call("POST", "/v1/decisions", _forged_alg_none(keys), application("jwt-3")).status_code == 401
    assert call("GET", "/v1/quotas/none", tokens["viewer"]).status_code == 404  # own tokens still work
