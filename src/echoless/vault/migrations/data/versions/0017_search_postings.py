"""search postings: each epoch's keyed prefixes, each with a bitmap of the epoch's slots, packed into a few
dozen buckets, instead of one row per prefix and item: a deletion's re-key writes those buckets, and a
search reads one bucket per epoch and word. The index is derived data: it is dropped here and made again from the kept
content at the next start (`search.upgrade`, marked by the instance_state row written below).

Revision ID: 0017
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None

MARK = "reindex:search"


def upgrade() -> None:
    op.create_table(
        "search_postings",
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("entries", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("epoch_id", "bucket"),
    )
    op.create_table(
        "search_slots",
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("epoch_id", "slot"),
    )
    op.create_index("ix_search_slots_item", "search_slots", ["item_id"], unique=False)
    op.drop_index("ix_search_tokens_item", table_name="search_tokens")
    op.drop_table("search_tokens")
    op.execute("DELETE FROM search_epochs")  # their keys go at the next start, with the reindex
    with op.batch_alter_table("search_epochs") as batch:
        batch.add_column(sa.Column("oldest", echoless.vault.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("newest", echoless.vault.db.UTCDateTime(), nullable=True))
    state = sa.table("instance_state", sa.column("name"), sa.column("value"))
    op.execute(state.delete().where(state.c.name == MARK))
    op.bulk_insert(state, [{"name": MARK, "value": "pending"}])


def downgrade() -> None:
    op.create_table(
        "search_tokens",
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "epoch_id", "token", "created_at", "item_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_search_tokens_item", "search_tokens", ["item_id"], unique=False)
    op.execute("DELETE FROM search_epochs")  # the older index is made again by hand (derived data)
    with op.batch_alter_table("search_epochs") as batch:
        batch.drop_column("newest")
        batch.drop_column("oldest")
    op.drop_index("ix_search_slots_item", table_name="search_slots")
    op.drop_table("search_slots")
    op.drop_table("search_postings")
