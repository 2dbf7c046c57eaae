"""audit checkpoints: the head of the chain at a moment, signed with the instance key, so a rewritten
chain (recomputed without some entries) no longer matches what was signed

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
