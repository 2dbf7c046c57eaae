"""the connected home: a household's Home Assistant connection (URL and token, encrypted under the household
key), and the area a device stands in ("lights on in here")

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa
import echoless.vault.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_connections",
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("keep_days", sa.Integer(), nullable=True),
        sa.Column("connected_at", echoless.vault.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.PrimaryKeyConstraint("household_id"),
    )
    with op.batch_alter_table("devices") as batch_op:
        batch_op.add_column(sa.Column("area", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch_op:
        batch_op.drop_column("area")
    op.drop_table("home_connections")
