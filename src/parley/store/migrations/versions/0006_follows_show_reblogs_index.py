"""follows show_reblogs index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 16:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(
            'ix_follows_account_id_show_reblogs', ['account_id', 'show_reblogs', 'target_account_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index('ix_follows_account_id_show_reblogs')
