"""The app's own commands for the `climate` CLI (beside Flask's and Flask-Migrate's)."""
import click
from flask import current_app
from flask.cli import with_appcontext


def register(app):
    app.cli.add_command(demo)


def upgrade_database() -> None:
    """Bring the database schema to the newest migration."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@click.command()
@click.option("--serve/--no-serve", default=True, help="Serve the app after seeding (default) or only seed.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def demo(serve, port):
    """Set up the database, seed a demo district, and serve the app on 127.0.0.1."""
    from .demo import seed_demo

    upgrade_database()
    lines = seed_demo(echo=click.echo)
    click.echo("")
    for line in lines:
        click.echo(line)
    if serve:
        click.echo(f"\nServing on http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        app = current_app._get_current_object()
        # The demo is plain http on loopback, where a Secure cookie would not be sent back.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
        app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
