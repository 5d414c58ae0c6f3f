"""Alembic environment: runs on the connection Parley hands it (see ``parley.store.migrate``)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from parley.store.tables import Base

# Tables that migrations create by hand and that the models do not describe.
_UNMODELLED = {"post_fts", "post_search"}


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name is not None and (name in _UNMODELLED or name.startswith("post_fts_")))


def _render(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Render Parley's UTC wrapper as the plain column type it stores.
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=_include,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
