from __future__ import annotations

import sqlite3

import pytest

from modelyard import DataError, Model
from modelyard.data import SQLDataset


@pytest.fixture
def sqlite_url(workdir) -> str:
    with sqlite3.connect(workdir / "shop.db") as db:
        db.execute("CREATE TABLE customers (age INTEGER, plan TEXT, churned INTEGER)")
        db.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)",
            [(20 + i, "abc"[i % 3], i % 2) for i in range(40)],
        )
        db.execute("CREATE TABLE empty (age INTEGER, churned INTEGER)")
    return f"sqlite:///{workdir / 'shop.db'}"


def test_a_table_is_read_whole(sqlite_url):
    data = SQLDataset(sqlite_url, table="customers", target="churned")

    assert data.x.shape == (40, 2)
    assert data.y.sum() == 20


def test_a_query_with_parameters_selects_the_rows(sqlite_url):
    data = SQLDataset(
        sqlite_url,
        query="SELECT age, churned FROM customers WHERE age >= :oldest",
        params={"oldest": 50},
        target="churned",
    )

    assert data.x["age"].min() == 50


def test_exactly_one_of_query_and_table_is_required(sqlite_url):
    with pytest.raises(DataError, match="exactly one of query="):
        SQLDataset(sqlite_url, target="churned")
    with pytest.raises(DataError, match="exactly one of query="):
        SQLDataset(sqlite_url, table="customers", query="SELECT 1", target="churned")


def test_a_missing_table_is_named_with_the_tables_there(sqlite_url):
    with pytest.raises(DataError, match=r"no table 'clients'.*tables there: customers, empty"):
        _ = SQLDataset(sqlite_url, table="clients", target="churned").x


def test_failing_sql_shows_the_query_and_the_database_error(sqlite_url):
    with pytest.raises(DataError, match=r"query 'SELEC age FROM customers' .* failed: .*syntax"):
        _ = SQLDataset(sqlite_url, query="SELEC age FROM customers", target="churned").x


def test_a_query_without_rows_is_refused(sqlite_url):
    with pytest.raises(DataError, match=r"table 'empty' .* has no rows"):
        _ = SQLDataset(sqlite_url, table="empty", target="churned").x


def test_a_missing_target_column_is_named(sqlite_url):
    with pytest.raises(DataError, match="no target column 'churn'; its columns are: age, plan"):
        _ = SQLDataset(sqlite_url, table="customers", target="churn").x


def test_a_url_that_is_not_a_database_url_is_refused_without_echoing_it():
    with pytest.raises(DataError, match="not a database URL") as caught:
        _ = SQLDataset("definitely not a url, secret", table="t", target="y").x

    assert "secret" not in str(caught.value)


def test_a_url_of_an_unknown_driver_says_what_to_install():
    with pytest.raises(DataError, match="no driver for nodb://user:\\*\\*\\*@host/db"):
        _ = SQLDataset("nodb://user:hunter2@host/db", table="t", target="y").x


def test_a_server_that_does_not_answer_is_refused_without_the_password():
    url = "postgresql+psycopg://user:hunter2@127.0.0.1:9/db"  # port 9: nothing listens

    with pytest.raises(DataError, match=r"user:\*\*\*@127.0.0.1:9/db failed") as caught:
        _ = SQLDataset(url, table="t", target="y").x

    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(SQLDataset(url, table="t", target="y"))


# A real PostgreSQL server: .ci/run starts one; elsewhere these skip unless required.


def test_postgresql_table_trains_a_model(postgres_url, postgres_table):
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    data = SQLDataset(postgres_url, table=postgres_table, target="churned")
    features = make_column_transformer((OneHotEncoder(), ["plan"]), remainder="passthrough")
    model = Model(make_pipeline(features, LogisticRegression())).train(data)

    assert data.x.shape == (60, 2)
    assert [f.kind for f in model.schema.features] == ["integer", "category"]


def test_postgresql_query_with_parameters(postgres_url, postgres_table):
    data = SQLDataset(
        postgres_url,
        query=f'SELECT age, churned FROM "{postgres_table}" WHERE plan = :plan',
        params={"plan": "pro"},
        target="churned",
    )

    assert len(data.x) == 20
    assert data.x.columns.tolist() == ["age"]


def test_postgresql_failing_sql_is_named(postgres_url, postgres_table):
    query = f'SELECT nope FROM "{postgres_table}"'

    with pytest.raises(DataError, match=r'column "nope" does not exist'):
        _ = SQLDataset(postgres_url, query=query, target="churned").x


def test_postgresql_missing_table_lists_the_tables(postgres_url, postgres_table):
    with pytest.raises(DataError, match=f"no table 'absent'.*{postgres_table}"):
        _ = SQLDataset(postgres_url, table="absent", target="churned").x


def test_postgresql_wrong_password_does_not_leak_either_password(postgres_url):
    import sqlalchemy

    url = sqlalchemy.engine.make_url(postgres_url).set(password="wrong-pass-123")
    text = url.render_as_string(hide_password=False)

    with pytest.raises(DataError, match="password authentication failed") as caught:
        _ = SQLDataset(text, table="t", target="y").x

    assert "wrong-pass-123" not in str(caught.value)


def test_a_missing_sqlite_file_is_named_and_not_created(workdir):
    with pytest.raises(DataError, match=r"no SQLite database file 'absent.db'"):
        _ = SQLDataset("sqlite:///absent.db", table="t", target="y").x

    assert not (workdir / "absent.db").exists()
