"""Settings for the pledge benchmark's server: the platform's own settings, production-like
(DEBUG off, quiet logs), with a bench-only urlconf that adds the minimal baseline endpoint."""

from config.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
