"""argon2id password hashing, always off the event loop and bounded in concurrency (each hash takes
`memory_cost` of RAM)."""

from __future__ import annotations

import anyio
import anyio.to_thread
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from comments.config import Settings


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        self._limiter = anyio.CapacityLimiter(settings.argon2_max_concurrent)
        # Verified against unknown emails so that they cost the same time as a wrong password.
        self._dummy_hash = self._hasher.hash("not a real password: timing equaliser")

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when it matches. With no hash (unknown account) it still does the full work."""
        return await anyio.to_thread.run_sync(
            self._verify_sync,
            password_hash or self._dummy_hash,
            password,
            password_hash is not None,
            limiter=self._limiter,
        )

    def _verify_sync(self, password_hash: str, password: str, real: bool) -> bool:
        try:
            return self._hasher.verify(password_hash, password) and real
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
