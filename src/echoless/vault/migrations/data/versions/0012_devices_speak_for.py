"""devices: whom each speaks for — personal (one member) or shared (the members listed, the rest to its
shared history). Existing devices become shared devices listing every current member, so what they did
before (name any member of the household) keeps working; their shared-history members (which need a key
in the keyring) are made when the vault opens (vault/devices.py `upgrade`).

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="shared"))
        batch_op.add_column(sa.Column("member_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("members", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    conn = op.get_bind()
    devices = sa.table("devices", sa.column("id", sa.String), sa.column("members", sa.JSON))
    members: dict[str, list[str]] = {}
    for member_id, household_id in conn.execute(sa.text("SELECT id, household_id FROM members WHERE role != 'shared' ORDER BY created_at, id")):
        members.setdefault(household_id, []).append(member_id)
    for device_id, household_id in conn.execute(sa.text("SELECT id, household_id FROM devices")).all():
        conn.execute(devices.update().where(devices.c.id == device_id).values(members=members.get(household_id, [])))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch_op:
        batch_op.drop_column("members")
        batch_op.drop_column("member_id")
        batch_op.drop_column("kind")
