"""The `climate` command: Flask's CLI bound to this app, so no --app or FLASK_APP is needed."""
import sys

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from . import ConfigError, create_app


def _database_problem(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    if "does not exist" in text and "database" in text:
        return f"The database named in DATABASE_URL does not exist ({text}); create it or fix DATABASE_URL."
    if "password authentication failed" in text:
        return "The database refused the user name or password in DATABASE_URL; fix DATABASE_URL."
    if "unable to open database file" in text:
        return "The SQLite database file cannot be opened; check that its folder exists and is writable."
    if "no such table" in text or "relation" in text and "does not exist" in text:
        return "The database has no tables yet; run `climate db upgrade` (or `climate demo`) first."
    return (f"Cannot reach the database in DATABASE_URL ({text}); check that the server is running "
            "and the URL is right.")


cli = FlaskGroup(create_app=lambda: create_app(), help="School climate survey platform.")


def main(argv=None) -> None:
    try:
        cli.main(args=argv, prog_name="climate", standalone_mode=True)
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except (OperationalError, ProgrammingError) as exc:
        click.echo(f"Error: {_database_problem(exc)}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
