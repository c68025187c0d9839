"""System checks for the channel layer live publishes to (`manage.py check`, run at startup by
runserver and by `runplatform`)."""

from django.conf import settings
from django.core.checks import Error, register

PUBSUB_LAYER = "channels_redis.pubsub.RedisPubSubChannelLayer"


@register()
def channel_layer_check(app_configs=None, **kwargs) -> list[Error]:
    """`store.publish_numbered` PUBLISHes in the PubSub layer's plain msgpack format."""
    layer = settings.CHANNEL_LAYERS.get("default", {})
    config = layer.get("CONFIG", {})
    errors = []
    if layer.get("BACKEND") != PUBSUB_LAYER:
        errors.append(
            Error(
                f"CHANNEL_LAYERS['default'] must use {PUBSUB_LAYER}.",
                hint="Live publishes in that layer's wire format from a Redis script (live.store).",
                id="live.E001",
            )
        )
    if config.get("symmetric_encryption_keys") or config.get("serializer_format", "msgpack") != "msgpack":
        errors.append(
            Error(
                "The channel layer must use plain msgpack messages (no encryption, no other serializer).",
                hint="Live's Redis script writes msgpack that the layer reads as it is (live.store).",
                id="live.E002",
            )
        )
    return errors
