"""The change log the live stream reads: one row per post and per delete

Existing messages get one "message" change each, with the message's own id, so an
open page's Last-Event-ID (a message id until now) still resumes at the right place.

Revision ID: message_0002
Revises: message_0001
Create Date: 2026-11-23 19:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "message_0002"
down_revision = "message_0001"
branch_labels = None
depends_on = None


def upgrade():
    """Apply this revision."""
    op.create_table(
        "message_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.execute(
        "INSERT INTO message_change (id, kind, message_id, created_at)"
        " SELECT id, 'message', id, created_at FROM message ORDER BY id"
    )
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequence behind: start it after the last one.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('message_change', 'id'),"
            " COALESCE(MAX(id), 0) + 1, false) FROM message_change"
        )


def downgrade():
    """Revert this revision."""
    op.drop_table("message_change")
