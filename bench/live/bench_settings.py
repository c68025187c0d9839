"""Settings for the live benchmark's server: the platform's settings (PubSub channel layer) with
the baseline route added by bench_asgi."""

from config.settings import *  # noqa: F403

ASGI_APPLICATION = "bench_asgi.application"
ROOT_URLCONF = "bench_urls"
