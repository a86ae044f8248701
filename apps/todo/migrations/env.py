"""Alembic's entry point for this app's migrations (shared code in apps.common)."""

from apps.common.migrations_env import run_migrations

run_migrations()
