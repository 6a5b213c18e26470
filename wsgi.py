"""Entry point for production servers: `gunicorn wsgi:app`."""
from climate import create_app

app = create_app()
