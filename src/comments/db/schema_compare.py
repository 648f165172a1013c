"""How Alembic compares the models with a live database (used by migrations/env.py and the drift test)."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.types import GUID


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Alembic's type comparison, except for GUID on SQLite: it is stored as 16 bytes and reflects as
    NUMERIC(16), which would otherwise count as drift on every check."""
    if isinstance(metadata_type, GUID) and context.dialect.name == "sqlite":
        return False
    return None  # Alembic's default comparison
