"""leases: a restore and the servers exclude each other through the database (several nodes may serve
one database, so a lock file would not do)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("expires_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("holder"),
    )


def downgrade() -> None:
    op.drop_table("leases")
