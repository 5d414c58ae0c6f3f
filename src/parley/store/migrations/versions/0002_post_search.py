"""Full-text search of posts: SQLite FTS5, or a PostgreSQL tsvector table with a GIN index.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The rowid is the post id. The FTS table keeps its own copy of the text so a row
        # can be deleted by id alone (contentless_delete needs SQLite 3.43).
        op.execute(
            "CREATE VIRTUAL TABLE post_fts USING fts5("
            "text, tokenize='unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE post_search ("
            " post_id BIGINT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_post_search_document ON post_search USING GIN (document)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE post_fts")
    else:
        op.execute("DROP TABLE post_search")
