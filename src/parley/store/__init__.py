"""Storage: engine and sessions, tables, and Alembic migrations. No behaviour lives here."""
