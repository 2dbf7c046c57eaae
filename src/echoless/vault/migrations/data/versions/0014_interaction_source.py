"""interactions say how they came: spoken, typed, through Wyoming, or imported (content-free)

Revision ID: 0014
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before this are recordings: recognised here or imported, which nothing recorded apart.
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="spoken"))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("source")
