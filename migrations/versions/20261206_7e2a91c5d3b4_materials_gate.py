"""materials gate: when a job's materials are expected and when they arrived

Revision ID: 7e2a91c5d3b4
Revises: c4ef6f45e602
Create Date: 2026-12-06 17:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mcbackend.adapters.orm

revision = "7e2a91c5d3b4"
down_revision = "c4ef6f45e602"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "materials_expected_at",
                mcbackend.adapters.orm.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "materials_received_at",
                mcbackend.adapters.orm.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("materials_received_at")
        batch_op.drop_column("materials_expected_at")
