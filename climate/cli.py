"""The `climate` command: Flask's CLI bound to this app, so no --app or FLASK_APP is needed.

Listing the commands (`climate --help`, `climate <cmd> --help`) builds the app but touches no
database: the embedded SQLite database is created from the migrations only when a command
actually runs (and `db` and `demo` run the migrations themselves)."""
import copy
import sys

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from flask import current_app

from . import ConfigError, create_app, create_embedded_database


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


# Commands that need no database created before they run.
_NO_DATABASE_FIRST = {"db", "demo", "routes"}


def _database_first(command: click.Command) -> click.Command:
    """A copy of `command` (the registered one is never changed) that creates the embedded
    database before its arguments are parsed (some arguments look records up), unless it is
    asked for its help. A group passes this on to its commands."""
    command = copy.copy(command)
    if isinstance(command, click.Group):
        resolve = command.resolve_command

        def resolve_command(ctx, args):
            name, sub, rest = resolve(ctx, args)
            return name, (None if sub is None else _database_first(sub)), rest
        command.resolve_command = resolve_command
    else:
        parse = command.parse_args

        def parse_args(ctx, args):
            if args or not command.no_args_is_help:
                if not any(arg in ctx.help_option_names for arg in args):
                    create_embedded_database(current_app._get_current_object())
            return parse(ctx, args)
        command.parse_args = parse_args
    return command


class ClimateGroup(FlaskGroup):
    """Flask's group, creating the embedded database only when a command runs (`_database_first`)."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is None or name in _NO_DATABASE_FIRST:
            return name, command, rest
        return name, _database_first(command), rest


cli = ClimateGroup(create_app=lambda: create_app(create_database=False), help="School climate survey platform.")


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
