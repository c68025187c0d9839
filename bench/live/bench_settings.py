"""Settings for the live benchmark's server: the platform's settings, with the channel layer
chosen by BENCH_LAYER (core = channels_redis.core.RedisChannelLayer, pubsub =
channels_redis.pubsub.RedisPubSubChannelLayer) and the baseline route added by bench_asgi."""

import os

from config.settings import *  # noqa: F403
from config.settings import CHANNEL_LAYERS

_BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
CHANNEL_LAYERS["default"]["BACKEND"] = _BACKENDS[os.environ.get("BENCH_LAYER", "pubsub")]
ASGI_APPLICATION = "bench_asgi.application"
ROOT_URLCONF = "bench_urls"
