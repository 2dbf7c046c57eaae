"""satellites: the Wyoming satellites echoless connects to, each speaking as a device of the household

Revision ID: 0016
Revises: 0017 (numbered before it, landed after it)
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satellites",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("uri", sa.String(length=300), nullable=False),
        sa.Column("created_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_satellites_household_uri", "satellites", ["household_id", "uri"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_satellites_household_uri", table_name="satellites")
    op.drop_table("satellites")
