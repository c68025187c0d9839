"""WSGI entry point: production HTTP runs here under gunicorn (Django's ASGI path is several
times slower for plain requests; websockets go to config.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
