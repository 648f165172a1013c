"""Readers' accounts: registration, argon2id passwords, bearer sessions, login throttle, personal details."""
