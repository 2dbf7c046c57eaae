"""epoch keys of the search index, and pseudonyms carried over a member-key rotation

Revision ID: k0002
Revises: k0001
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "k0002"
down_revision = "k0001"
branch_labels = None
depends_on = None

_TIME = echoless.vault.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "epoch_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.Column("owner_key_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_epoch_keys_owner_key_id", "epoch_keys", ["owner_key_id"], unique=False)
    op.create_table(
        "pseudonyms",
        sa.Column("owner_key_id", sa.String(length=32), nullable=False),
        sa.Column("skill_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("owner_key_id", "skill_id"),
    )


def downgrade() -> None:
    op.drop_table("pseudonyms")
    op.drop_index("ix_epoch_keys_owner_key_id", table_name="epoch_keys")
    op.drop_table("epoch_keys")
