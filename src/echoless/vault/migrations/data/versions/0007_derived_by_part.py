"""derived data under each part's own keys: search tokens in epochs, one learned word per source, the
instance's state (the derived scheme in force)

Search tokens and learned words were keyed under member-wide keys; they are dropped here and made again
from the kept interactions by the upgrade that rotates every member key (privacy/rotation.py), which
runs when the vault opens and `derived_scheme` says 1.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TIME = echoless.vault.db.UTCDateTime


def upgrade() -> None:
    bind = op.get_bind()
    existing = bind.execute(sa.text("SELECT count(*) FROM members")).scalar()
    op.execute("DELETE FROM derived_lineage WHERE kind IN ('search', 'vocabulary')")
    op.drop_table("search_tokens")
    op.drop_table("vocabulary_entries")
    op.create_table(
        "search_tokens",
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "token", "created_at", "item_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_search_tokens_item", "search_tokens", ["item_id"], unique=False)
    op.create_index("ix_search_tokens_epoch", "search_tokens", ["epoch_id"], unique=False)
    op.create_table(
        "search_epochs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("epoch_key_id", sa.String(length=32), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("retired", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_search_epochs_member", "search_epochs", ["member_id", "key_id"], unique=False)
    op.create_table(
        "vocabulary_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("part", sa.String(length=8), nullable=False),
        sa.Column("word", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_vocabulary_member", "vocabulary_entries", ["member_id", "key_id"], unique=False)
    op.create_index("ix_vocabulary_item", "vocabulary_entries", ["item_id"], unique=False)
    op.create_table(
        "instance_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    state = sa.table("instance_state", sa.column("name"), sa.column("value"))
    op.bulk_insert(state, [{"name": "derived_scheme", "value": "1" if existing else "2"}])


def downgrade() -> None:
    raise NotImplementedError("derived data under member-wide keys is not made again")
