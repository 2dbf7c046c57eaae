"""search tokens: no rowid on SQLite (the primary key is the table), no separate (member, key) index

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TIME = echoless.vault.db.UTCDateTime


def _create(name: str, **kwargs: object) -> None:
    op.create_table(
        name,
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "token", "created_at", "item_id"),
        **kwargs,
    )


def _rebuild(with_rowid: bool) -> None:
    op.execute("DROP INDEX IF EXISTS ix_search_tokens_key")
    op.execute("DROP INDEX IF EXISTS ix_search_tokens_item")
    _create("search_tokens_rebuilt", sqlite_with_rowid=with_rowid)
    op.execute("INSERT INTO search_tokens_rebuilt SELECT member_id, token, created_at, item_id, key_id FROM search_tokens")
    op.drop_table("search_tokens")
    op.rename_table("search_tokens_rebuilt", "search_tokens")
    op.create_index("ix_search_tokens_item", "search_tokens", ["item_id"], unique=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=False)
    else:
        op.drop_index("ix_search_tokens_key", table_name="search_tokens")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=True)
    op.create_index("ix_search_tokens_key", "search_tokens", ["member_id", "key_id"], unique=False)
