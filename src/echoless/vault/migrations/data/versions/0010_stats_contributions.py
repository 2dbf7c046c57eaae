"""analytics at rest only from k distinct members: each run's contribution waits, sealed under its
interaction's action key, until its group has k members (then it is folded into daily_counts)

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_contributions",
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_index("ix_stats_contributions_member", "stats_contributions", ["member_id"], unique=False)
    # Counts below k at rest could single a person out (an intent used once): they go.
    op.execute("DELETE FROM daily_counts WHERE count < 5")


def downgrade() -> None:
    op.drop_index("ix_stats_contributions_member", table_name="stats_contributions")
    op.drop_table("stats_contributions")
