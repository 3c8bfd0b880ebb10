"""SQLDataset: training data from a SQL database through SQLAlchemy (SQLite, PostgreSQL, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from modelyard.data.tabular import TabularDataset
from modelyard.exceptions import DataError


class SQLDataset(TabularDataset):
    """The result of a query, or a whole table, with one column as the target.

    Give exactly one of ``query`` and ``table``. The URL is any SQLAlchemy
    database URL: ``sqlite:///data.db`` needs nothing more; PostgreSQL needs the
    ``sql`` extra (``pip install "modelyard[sql]"``, which brings psycopg) and a
    URL such as ``postgresql+psycopg://user:secret@host/db``. Messages never show
    the password.

    >>> import sqlite3
    >>> from modelyard.data import SQLDataset
    >>> with sqlite3.connect("shop.db") as db:
    ...     _ = db.execute("CREATE TABLE customers (age INTEGER, churned INTEGER)")
    ...     _ = db.executemany("INSERT INTO customers VALUES (?, ?)", [(30, 0), (40, 1)])
    >>> data = SQLDataset("sqlite:///shop.db", table="customers", target="churned")
    >>> data.x.shape
    (2, 1)

    Args:
        url: SQLAlchemy database URL.
        query: a SELECT statement; ``:name`` placeholders take values from ``params``.
        table: name of a table to read whole.
        target: name of the column to predict.
        params: values of the query's placeholders.
    """

    def __init__(
        self,
        url: str,
        *,
        target: str,
        query: str | None = None,
        table: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(target)
        if (query is None) == (table is None):
            raise DataError("give SQLDataset exactly one of query='SELECT ...' or table='name'")
        self.url = url
        self.query = query
        self.table = table
        self.params = dict(params or {})
        self._safe_url = _hide_password(url)

    def describe(self) -> str:
        """The table or query and the database, for messages (password hidden)."""
        what = f"table '{self.table}'" if self.table is not None else f"query {self.query!r}"
        return f"{what} in {self._safe_url}"

    def read_frame(self) -> pd.DataFrame:
        """Run the query (or read the table) and return its rows."""
        sqlalchemy = _sqlalchemy()
        engine = self._engine(sqlalchemy)
        try:
            with engine.connect() as connection:
                if self.table is not None:
                    table = self._reflect(sqlalchemy, connection)
                    return pd.read_sql_query(sqlalchemy.select(table), connection)
                return pd.read_sql_query(
                    sqlalchemy.text(self.query), connection, params=self.params
                )
        except (sqlalchemy.exc.SQLAlchemyError, pd.errors.DatabaseError) as error:
            raise DataError(f"{self.describe()} failed: {self._scrub(_reason(error))}") from None
        finally:
            engine.dispose()

    def _engine(self, sqlalchemy: Any) -> Any:
        self._check_sqlite_file(sqlalchemy)
        try:
            return sqlalchemy.create_engine(self.url)
        except sqlalchemy.exc.NoSuchModuleError:
            raise DataError(
                f"SQLAlchemy has no driver for {self._safe_url}; install it "
                '(pip install "modelyard[sql]" brings psycopg for PostgreSQL)'
            ) from None
        except (sqlalchemy.exc.ArgumentError, ValueError) as error:
            raise DataError(
                f"'{self._safe_url}' is not a database URL SQLAlchemy can use: "
                f"{self._scrub(str(error))}; e.g. sqlite:///data.db or "
                "postgresql+psycopg://user:password@host/db"
            ) from None
        except ImportError as error:
            raise DataError(
                f"the database driver for {self._safe_url} is not installed ({error}); "
                'pip install "modelyard[sql]"'
            ) from None

    def _check_sqlite_file(self, sqlalchemy: Any) -> None:
        """Refuse a missing SQLite file, which SQLite would otherwise create, empty."""
        try:
            url = sqlalchemy.engine.make_url(self.url)
        except sqlalchemy.exc.ArgumentError:
            return  # _engine reports it
        database = url.database or ""
        on_disk = database not in ("", ":memory:") and not database.startswith("file:")
        if url.get_backend_name() == "sqlite" and on_disk and not Path(database).is_file():
            raise DataError(
                f"no SQLite database file '{database}' (from {self._safe_url}); check the "
                "path: sqlite:///relative.db or sqlite:////absolute/path.db"
            )

    def _reflect(self, sqlalchemy: Any, connection: Any) -> Any:
        schema, _, name = self.table.rpartition(".")
        try:
            return sqlalchemy.Table(
                name, sqlalchemy.MetaData(), schema=schema or None, autoload_with=connection
            )
        except sqlalchemy.exc.NoSuchTableError:
            tables = sqlalchemy.inspect(connection).get_table_names(schema=schema or None)
            raise DataError(
                f"there is no table '{self.table}' in {self._safe_url}; tables there: "
                f"{', '.join(tables) or 'none'}"
            ) from None

    def _scrub(self, text: str) -> str:
        password = _password(self.url)
        return text.replace(password, "***") if password else text


def _reason(error: BaseException) -> str:
    """The database's own words, without the statement and links SQLAlchemy appends."""
    # pandas wraps SQLAlchemy's error, which wraps the driver's: report the innermost.
    while error.__cause__ is not None:
        error = error.__cause__
    text = str(error).strip().split("\n")[0].split(" (Background on this error")[0]
    return text or type(error).__name__


def _sqlalchemy() -> Any:
    try:
        import sqlalchemy
        import sqlalchemy.exc
    except ImportError:
        raise DataError('SQLDataset needs SQLAlchemy: pip install "modelyard[sql]"') from None
    return sqlalchemy


def _password(url: str) -> str | None:
    try:
        return _sqlalchemy().engine.make_url(url).password
    except Exception:
        return None


def _hide_password(url: str) -> str:
    try:
        return _sqlalchemy().engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        scheme = url.split(":", 1)[0] if ":" in url else "?"
        return f"a '{scheme}' URL that cannot be parsed"
