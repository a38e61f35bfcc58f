"""Alembic environment: migrations run on the connection ecotrack hands over (see `ecotrack.storage.db.upgrade`).

`render_as_batch` lets SQLite alter tables by rebuilding them; the naming convention in
`ecotrack.storage.models` gives every constraint a name that both databases share.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlmodel import SQLModel

import ecotrack.storage.models  # noqa: F401  (declares the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # `alembic` run by hand (CI's `alembic check`): the URL comes from alembic.ini / -x url=...
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("give the database: alembic -x url=sqlite:///data/ecotrack.db ...")
        engine = create_engine(url)
        with engine.connect() as own_connection:
            _run(own_connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("ecotrack migrations run online only")
run_migrations()
