"""API keys for the Perspective-compatible API: made by the operator's CLI, shown once, stored as SHA-256.

Checking a key, counting its use and its per-second rate limit is ONE `UPDATE ... RETURNING` on the key's
row, committed at once: every process that shares the database sees the same window, and the row lock is
held for that statement only (never while the model works).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import case, select, update

from comments.db.perspective import PerspectiveKey
from comments.db.service import Service
from comments.domain.perspective import mapping
from comments.errors import Conflict, InvalidInput, NotFound

Operation = Literal["analyze", "suggest"]
KEY_PREFIX = "pk-"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_QPS = 100_000


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class UsedKey:
    id: UUID
    name: str
    qps: int


class PerspectiveKeyService(Service[PerspectiveKey]):
    model_type = PerspectiveKey

    async def create_key(self, name: str, qps: int) -> tuple[PerspectiveKey, str]:
        """A new key (returned once, in clear) named `name`, allowed `qps` requests per second."""
        if not NAME.match(name):
            raise InvalidInput(
                "A key's name is 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.",
                errors=[{"pointer": "/name", "message": "Use letters, digits, '.', '_' or '-'."}],
            )
        if not 1 <= qps <= MAX_QPS:
            raise InvalidInput(
                f"qps must be between 1 and {MAX_QPS}.",
                errors=[{"pointer": "/qps", "message": f"Between 1 and {MAX_QPS}."}],
            )
        if await self.session.scalar(select(PerspectiveKey.id).where(PerspectiveKey.name == name)) is not None:
            raise Conflict(f"There is already a Perspective key named '{name}'.")
        key = new_key()
        row = PerspectiveKey(name=name, key_hash=key_hash(key), qps=qps)
        self.session.add(row)
        await self.session.flush()
        return row, key

    async def list_keys(self) -> list[PerspectiveKey]:
        return list(await self.session.scalars(select(PerspectiveKey).order_by(PerspectiveKey.created_at)))

    async def revoke_key(self, name: str) -> PerspectiveKey:
        row = await self.session.scalar(select(PerspectiveKey).where(PerspectiveKey.name == name))
        if row is None:
            raise NotFound(f"There is no Perspective key named '{name}'.")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            await self.session.flush()
        return row

    async def use(self, key: str | None, operation: Operation, now: float | None = None) -> UsedKey:
        """Check `key`, count one `operation` and apply its rate limit; commits. Raises PerspectiveError:
        403 without a key, 400 API_KEY_INVALID for an unknown or revoked one, 429 over its qps."""
        if not key:
            raise mapping.key_missing()
        second = int(time.time() if now is None else now)
        same_window = PerspectiveKey.window_start == second
        count = case((same_window, PerspectiveKey.window_count + 1), else_=1)
        counter = PerspectiveKey.analyze_requests if operation == "analyze" else PerspectiveKey.suggest_requests
        statement = (
            update(PerspectiveKey)
            .where(PerspectiveKey.key_hash == key_hash(key), PerspectiveKey.revoked_at.is_(None))
            .values(
                {
                    PerspectiveKey.window_start: second,
                    PerspectiveKey.window_count: count,
                    counter: counter + 1,
                    PerspectiveKey.limited_requests: PerspectiveKey.limited_requests
                    + case((count > PerspectiveKey.qps, 1), else_=0),
                }
            )
            .returning(PerspectiveKey.id, PerspectiveKey.name, PerspectiveKey.qps, PerspectiveKey.window_count)
            .execution_options(synchronize_session=False)
        )
        row = (await self.session.execute(statement)).one_or_none()
        await self.session.commit()
        if row is None:
            raise mapping.key_invalid()
        used = UsedKey(id=row.id, name=row.name, qps=row.qps)
        if row.window_count > row.qps:
            raise mapping.rate_limited(used.name, used.qps)
        return used
