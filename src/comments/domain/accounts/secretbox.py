"""Secrets the service must read back (a site's HS256 SSO secret), encrypted at rest.

A hash would not do: verifying an HS256 signature needs the secret itself. The key is derived (HKDF) from
COMMENTS_SECRET_KEY, or from <home>/secret.key, made on first use, so a copied database alone does not
reveal the secrets.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from comments.config import Settings

KEY_FILE = "secret.key"


def server_secret(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.home) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together agree on one key (the loser reads the winner's).
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


def _fernet(settings: Settings, purpose: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"comments:" + purpose).derive(
        server_secret(settings)
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(settings: Settings, purpose: bytes, value: str) -> str:
    return _fernet(settings, purpose).encrypt(value.encode()).decode()


def decrypt(settings: Settings, purpose: bytes, token: str) -> str | None:
    """None when it cannot be read (the server secret changed): the caller treats it as no secret."""
    try:
        return _fernet(settings, purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        return None
