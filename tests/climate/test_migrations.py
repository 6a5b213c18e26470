"""The migrations are the only source of the schema: they must agree with the models."""
import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from climate.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_schema_is_at_the_newest_migration(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {"district", "school", "user_account", "alembic_version"} <= tables


def test_migrations_downgrade_and_upgrade_cleanly(tmp_path):
    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        flask_migrate.upgrade(directory=directory)
        flask_migrate.downgrade(directory=directory, revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        flask_migrate.upgrade(directory=directory)
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
        db.engine.dispose()
