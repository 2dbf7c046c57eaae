"""deletion jobs: when the destroyed keys were verified gone from the keyring's files

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deletion_jobs") as batch_op:
        batch_op.add_column(sa.Column("erased_at", echoless.vault.db.UTCDateTime(), nullable=True))
    op.execute("UPDATE deletion_jobs SET erased_at = purged_at WHERE purged_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("deletion_jobs") as batch_op:
        batch_op.drop_column("erased_at")
