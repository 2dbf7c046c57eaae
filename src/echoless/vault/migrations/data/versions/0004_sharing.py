"""sharing: skills, enablements, the share ledger and deletion notices

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skills",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("installed_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.create_index("ix_skills_household_name", ["household_id", "name"], unique=True)

    op.create_table(
        "skill_enablements",
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("skill_id", sa.String(length=32), nullable=False),
        sa.Column("transcript_approved", sa.Boolean(), nullable=False),
        sa.Column("enabled_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "skill_id"),
    )

    op.create_table(
        "shares",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("skill_id", sa.String(length=32), nullable=False),
        sa.Column("skill_name", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=260), nullable=False),
        sa.Column("deletion_endpoint", sa.Text(), nullable=False),
        sa.Column("manifest_version", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("interaction_id", sa.String(length=32), nullable=True),
        sa.Column("pseudo_interaction_id", sa.String(length=40), nullable=False),
        sa.Column("sent_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("notice_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index("ix_shares_member_sent", ["member_id", "sent_at"], unique=False)
        batch_op.create_index("ix_shares_interaction", ["interaction_id"], unique=False)

    op.create_table(
        "share_notices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("deletion_id", sa.String(length=32), nullable=True),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("skill_id", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=260), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=True),
        sa.Column("interactions", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=40), nullable=True),
        sa.Column("asked_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("deadline_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.Column("last_attempt_at", echoless.vault.db.UTCDateTime(), nullable=True),
        sa.Column("confirmed_at", echoless.vault.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("share_notices", schema=None) as batch_op:
        batch_op.create_index("ix_share_notices_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_share_notices_member", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("share_notices")
    op.drop_table("shares")
    op.drop_table("skill_enablements")
    op.drop_table("skills")
