"""rule sets store only the toxicity thresholds they change; comment.spans (why the model held a comment)

Site rule sets stored every toxicity threshold, the defaults of the model of the time included, so a later
model's defaults never reached them. Upgrade removes each stored level equal to a default the app shipped
(the bundled model v4's toxicity hold 0.27 and v5's policy): those now follow DEFAULT_TOXICITY_THRESHOLDS.
Article overrides are left as they are: they are merge patches holding only what an admin typed, and a value
equal to a default there can mean "not the site's value". The rules history (audit_entry) is append-only and
is never replayed. Downgrade writes the thresholds in force (today's defaults merged with the overrides) back
in full, as the older code expects.

Revision ID: c4e8a1f2b9d3
Revises: bee663035eea
Create Date: 2026-12-01 12:20:00
"""

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import JsonB
from alembic import op

revision = "c4e8a1f2b9d3"
down_revision = "bee663035eea"
branch_labels = None
depends_on = None

SHIPPED_DEFAULTS: dict[tuple[str, str], tuple[float | None, ...]] = {
    # (label, level) -> every default it had in a release: v4 (toxicity only), then v5's per-label policy.
    ("toxicity", "hold"): (0.27, 0.75),
    ("toxicity", "reject"): (None,),
    ("severe_toxicity", "hold"): (0.07,),
    ("severe_toxicity", "reject"): (None,),
    ("obscene", "hold"): (None,),
    ("obscene", "reject"): (None,),
    ("threat", "hold"): (0.31,),
    ("threat", "reject"): (None,),
    ("insult", "hold"): (0.79,),
    ("insult", "reject"): (None,),
    ("identity_attack", "hold"): (0.59,),
    ("identity_attack", "reject"): (None,),
}

_site = sa.table("site", sa.column("id"), sa.column("rules", JsonB))


def only_overrides(thresholds: dict[str, Any]) -> dict[str, Any]:
    """The stored thresholds without the levels that were a shipped default (labels left empty go)."""
    kept = {}
    for label, levels in thresholds.items():
        changed = {
            level: value
            for level, value in (levels or {}).items()
            if value not in SHIPPED_DEFAULTS.get((label, level), (None,))
        }
        if changed:
            kept[label] = changed
    return kept


def in_force(thresholds: dict[str, Any], defaults: dict[str, dict[str, float | None]]) -> dict[str, Any]:
    """Every label's two levels: the default, replaced where the rule set overrides it."""
    labels = dict.fromkeys([*defaults, *thresholds])
    return {
        label: {**{"hold": None, "reject": None}, **defaults.get(label, {}), **thresholds.get(label, {})}
        for label in labels
    }


def _rewrite(change: Any) -> None:
    conn = op.get_bind()
    for site_id, rules in conn.execute(sa.select(_site.c.id, _site.c.rules)).all():
        thresholds = ((rules or {}).get("toxicity") or {}).get("thresholds")
        if thresholds is None:
            continue
        document = {**rules, "toxicity": {**rules["toxicity"], "thresholds": change(thresholds)}}
        conn.execute(sa.update(_site).where(_site.c.id == site_id).values(rules=document))


def upgrade() -> None:
    _rewrite(only_overrides)
    # A plain ADD COLUMN: a batch rebuild of comment would drop its triggers on SQLite.
    op.add_column("comment", sa.Column("spans", JsonB, nullable=True))


def downgrade() -> None:
    from comments.domain.rules.schema import DEFAULT_TOXICITY_THRESHOLDS  # the defaults the app applies now

    op.drop_column("comment", "spans")
    _rewrite(lambda thresholds: in_force(thresholds, DEFAULT_TOXICITY_THRESHOLDS))
