"""Moderation: the queue of held, flagged and reported comments, claims, decisions, sanctions, the audit
log's route and stats. See docs/moderation.md. Reports live in `comments`, site staff in `sites`, the audit
log's store and reader in `audit`, webhooks in `webhooks`."""
