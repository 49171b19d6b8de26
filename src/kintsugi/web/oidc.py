"""OpenID Connect sign-in (authorization code flow with PKCE, state and nonce)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from kintsugi.core.config import Settings
from kintsugi.core.errors import KintsugiError

_DISCOVERY_TTL = 300.0


class OidcError(KintsugiError):
    """The identity provider could not be used or did not vouch for the user."""

    status_code = 400


@dataclass(frozen=True)
class Claims:
    """What the ID token says about the person."""

    issuer: str
    subject: str
    username: str
    email: str | None
    name: str


@dataclass(frozen=True)
class Pending:
    """What the browser carries between the redirect and the callback (HttpOnly cookie)."""

    state: str
    nonce: str
    verifier: str

    def cookie_value(self) -> str:
        return f"{self.state}.{self.nonce}.{self.verifier}"

    @classmethod
    def from_cookie(cls, value: str | None) -> Pending | None:
        parts = (value or "").split(".")
        return cls(*parts) if len(parts) == 3 and all(parts) else None


class OidcClient:
    """A relying party for one issuer; discovery and keys are cached for a few minutes."""

    def __init__(self, settings: Settings, *, http: httpx.Client | None = None) -> None:
        if not (settings.oidc_issuer and settings.oidc_client_id):
            raise OidcError("single sign-on is not configured (KINTSUGI_OIDC_ISSUER, _CLIENT_ID)")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret
        self.http = http or httpx.Client(timeout=10.0)
        self._discovery: tuple[float, dict[str, Any]] | None = None

    def _config(self) -> dict[str, Any]:
        if self._discovery and time.monotonic() - self._discovery[0] < _DISCOVERY_TTL:
            return self._discovery[1]
        url = f"{self.issuer}/.well-known/openid-configuration"
        try:
            response = self.http.get(url)
            response.raise_for_status()
            config: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"identity provider discovery failed at {url}: {exc}") from exc
        if config.get("issuer", "").rstrip("/") != self.issuer:
            raise OidcError("identity provider reports a different issuer than configured")
        self._discovery = (time.monotonic(), config)
        return config

    def start(self, redirect_uri: str) -> tuple[str, Pending]:
        """The provider URL to send the browser to, and what to remember until it returns."""
        pending = Pending(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
        )
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(pending.verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid email profile",
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self._config()['authorization_endpoint']}?{query}", pending

    def finish(self, *, code: str, state: str, pending: Pending, redirect_uri: str) -> Claims:
        """Exchange the code and verify the ID token (signature, issuer, audience, nonce)."""
        if not secrets.compare_digest(state, pending.state):
            raise OidcError("sign-in state does not match; start again")
        config = self._config()
        auth = httpx.BasicAuth(self.client_id, self.client_secret) if self.client_secret else None
        try:
            response = self.http.post(
                config["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": self.client_id,
                    "code_verifier": pending.verifier,
                },
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
            )
            response.raise_for_status()
            id_token = response.json()["id_token"]
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise OidcError(f"identity provider refused the sign-in code: {exc}") from exc
        claims = self._verify(id_token, config)
        if not secrets.compare_digest(str(claims.get("nonce", "")), pending.nonce):
            raise OidcError("ID token nonce does not match; start again")
        subject = str(claims["sub"])
        email = claims.get("email") if claims.get("email_verified", True) else None
        return Claims(
            issuer=self.issuer,
            subject=subject,
            username=str(claims.get("preferred_username") or email or subject),
            email=email,
            name=str(claims.get("name") or claims.get("preferred_username") or subject),
        )

    def _verify(self, id_token: str, config: dict[str, Any]) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
            keys = self.http.get(config["jwks_uri"]).json()["keys"]
            matching = [k for k in keys if k.get("kid") == header.get("kid")] or keys
            key = jwt.PyJWK(matching[0]).key
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=["RS256", "ES256"],
                audience=self.client_id,
                issuer=config["issuer"],
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except (jwt.PyJWTError, httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
            raise OidcError(f"ID token rejected: {exc}") from exc
        return claims
