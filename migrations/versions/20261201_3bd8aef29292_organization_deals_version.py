"""organization deals version

Revision ID: 3bd8aef29292
Revises: c9868de382a1
Create Date: 2026-12-01 04:21:44.224444
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3bd8aef29292'
down_revision: str | None = 'c9868de382a1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deals_version', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('deals_version')

