"""display name skeleton: no display name may look like another's (UTS #39)

Revision ID: 5b1d0e7c9a42
Revises: a7c3e19f4b2d
Create Date: 2026-12-01 09:10:00
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "5b1d0e7c9a42"
down_revision = "a7c3e19f4b2d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name_skeleton", sa.String(length=200), nullable=True))
    # Existing names get their skeleton; of two existing look-alikes the older keeps it and the newer is
    # left without (it keeps its name; it is checked again when changed).
    from comments.domain.accounts.skeletons import display_name_skeleton

    bind = op.get_bind()
    profile = sa.table(
        "profile",
        sa.column("id", GUID(length=16)),
        sa.column("display_name", sa.String()),
        sa.column("display_name_skeleton", sa.String()),
        sa.column("created_at", DateTimeUTC(timezone=True)),
    )
    rows = bind.execute(
        sa.select(profile.c.id, profile.c.display_name)
        .where(profile.c.display_name.is_not(None))
        .order_by(profile.c.created_at, profile.c.id)
    ).all()
    seen: set[str] = set()
    for row_id, name in rows:
        look = display_name_skeleton(name)
        if look in seen:
            continue
        seen.add(look)
        bind.execute(profile.update().where(profile.c.id == row_id).values(display_name_skeleton=look))
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_profile_display_name_skeleton"), ["display_name_skeleton"])


def downgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_profile_display_name_skeleton"), type_="unique")
        batch_op.drop_column("display_name_skeleton")
