"""derived stores: search tokens, lineage, vocabulary, training corpus, daily counts

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIME = echoless.vault.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "search_tokens",
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "token", "created_at", "item_id"),
    )
    with op.batch_alter_table("search_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_search_tokens_item", ["item_id"], unique=False)
        batch_op.create_index("ix_search_tokens_key", ["member_id", "key_id"], unique=False)

    op.create_table(
        "derived_lineage",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("artefact_id", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("parts", sa.String(length=32), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "artefact_id", "source_id"),
    )
    with op.batch_alter_table("derived_lineage", schema=None) as batch_op:
        batch_op.create_index("ix_derived_lineage_source", ["source_id"], unique=False)
        batch_op.create_index("ix_derived_lineage_key", ["member_id", "key_id"], unique=False)

    op.create_table(
        "vocabulary_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.LargeBinary(length=16), nullable=False),
        sa.Column("word", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vocabulary_entries", schema=None) as batch_op:
        batch_op.create_index("ix_vocabulary_member_ref", ["member_id", "key_id", "ref"], unique=True)

    op.create_table(
        "corpus_samples",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("audio_type", sa.String(length=40), nullable=True),
        sa.Column("audio", sa.LargeBinary(), nullable=True),
        sa.Column("transcript", sa.LargeBinary(), nullable=True),
        sa.Column("intent", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("corpus_samples", schema=None) as batch_op:
        batch_op.create_index("ix_corpus_samples_member", ["member_id"], unique=False)
        batch_op.create_index("ix_corpus_samples_household", ["household_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_corpus_samples_source_id"), ["source_id"], unique=False)

    op.create_table(
        "corpus_annotations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("sample_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer_id", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("corpus_annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corpus_annotations_sample_id"), ["sample_id"], unique=False)

    op.create_table(
        "daily_counts",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("intent", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "intent", "outcome", "latency_ms"),
    )


def downgrade() -> None:
    op.drop_table("daily_counts")
    with op.batch_alter_table("corpus_annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corpus_annotations_sample_id"))
    op.drop_table("corpus_annotations")
    with op.batch_alter_table("corpus_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corpus_samples_source_id"))
        batch_op.drop_index("ix_corpus_samples_household")
        batch_op.drop_index("ix_corpus_samples_member")
    op.drop_table("corpus_samples")
    with op.batch_alter_table("vocabulary_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_vocabulary_member_ref")
    op.drop_table("vocabulary_entries")
    with op.batch_alter_table("derived_lineage", schema=None) as batch_op:
        batch_op.drop_index("ix_derived_lineage_key")
        batch_op.drop_index("ix_derived_lineage_source")
    op.drop_table("derived_lineage")
    with op.batch_alter_table("search_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_search_tokens_key")
        batch_op.drop_index("ix_search_tokens_item")
    op.drop_table("search_tokens")
