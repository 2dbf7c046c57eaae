"""a key check value: the master key that wraps this keyring, recognised before anything is written

Revision ID: k0003
Revises: k0002
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "k0003"
down_revision = "k0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keyring_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("keyring_check")
