"""search tokens ordered by epoch: an epoch's tokens are one contiguous range, so re-keying an epoch
rewrites a few pages instead of one page per token, and a search reads each epoch's matches newest first

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_tokens_by_epoch",
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "epoch_id", "token", "created_at", "item_id"),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO search_tokens_by_epoch SELECT member_id, epoch_id, token, created_at, item_id FROM search_tokens")
    op.drop_index("ix_search_tokens_item", table_name="search_tokens")
    op.drop_index("ix_search_tokens_epoch", table_name="search_tokens")
    op.drop_table("search_tokens")
    op.rename_table("search_tokens_by_epoch", "search_tokens")
    op.create_index("ix_search_tokens_item", "search_tokens", ["item_id"], unique=False)


def downgrade() -> None:
    op.create_table(
        "search_tokens_by_token",
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "token", "created_at", "item_id"),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO search_tokens_by_token SELECT member_id, token, created_at, item_id, epoch_id FROM search_tokens")
    op.drop_index("ix_search_tokens_item", table_name="search_tokens")
    op.drop_table("search_tokens")
    op.rename_table("search_tokens_by_token", "search_tokens")
    op.create_index("ix_search_tokens_item", "search_tokens", ["item_id"], unique=False)
    op.create_index("ix_search_tokens_epoch", "search_tokens", ["epoch_id"], unique=False)
