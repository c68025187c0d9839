"""Live updates (实时更新): topics, sequence numbers, subscribers and snapshots.

The app knows nothing of campaigns or ballots. A domain app

- registers its topic kinds in its `topics.py` (imported from `AppConfig.ready()`):
  `live.registry.register_topic("campaign", may_subscribe=fn(user, object_id) -> bool,
  snapshot=fn(object_id) -> dict, private=False)`; `private=True` topics (a person's own
  notifications) close the socket of anyone refused, with code 4403;
- publishes inside its service's transaction: `live.services.publish("campaign.12", "pledged",
  {"campaign": 12, "raised_fen": 150000})`. The message goes out after commit, never on
  rollback, with a per-topic sequence number, an epoch and the server time (`services`).

Rights are not only checked at subscription. An open socket asks each topic's `may_subscribe`
again, with the person read afresh from its session (roles loaded once per check, whatever the
number of topics):
- promptly when told: `live.services.recheck(user_id=...)` after a person's roles or memberships
  change (accounts services), `recheck(topic=...)` after who may see an object changes (a
  campaign back to draft or cancelled), and `session_ended` on every sign-out (Django's
  `user_logged_out`, connected in `receivers`): that session's sockets go on as anonymous ones;
- every minute on the consumer's periodic check, for changes nobody announced (admin edits,
  expired sessions, a password changed elsewhere).
A subscription no longer allowed gets `{"type": "revoked", "topic": ...}` and nothing more; live.js
drops it quietly (`onRevoked`).

Pages use `static/live/live.js` (`ZCLive.subscribe(topic, onMessage, {onSnapshot})`); the protocol
is in `consumers`. Per-topic state in Redis (counter, replay log of the last 200 messages, epoch)
is described in `store`.

Channel layer: `channels_redis.pubsub.RedisPubSubChannelLayer`, the only one (settings; `store`
publishes in its format from a Redis script, checks `live.E001/E002`).
A group message is one PUBLISH, fanned out inside each ASGI process to its own sockets, where the
list-based core layer writes one copy per socket and each is popped with its own round trip: with
a thousand browsers on one topic in one process the core layer ran out of Redis connections and
lost messages, the PubSub layer lost none (bench/README.md). It keeps
nothing: a message published while a server's subscription is reconnecting is lost, which is why
delivery is not trusted to the layer: the consumer fills gaps from the replay log, checks the
topic's position every 15 s for a lost last message, and a reconnecting client sends the last
sequence it saw and receives what it missed or a snapshot. Capacity and expiry therefore do not
apply. The PubSub layer queues messages for a
socket in memory without a bound; a browser that stops reading is dropped by the ASGI server's
websocket ping timeout (uvicorn: ping every 20 s, 20 s to answer), which frees its queue, and it resumes from
its last sequence. Groups need no expiry either: membership lives in the consumer's process and
ends with the socket. Several REDIS_URL hosts shard groups
(channel layer) and topics (live's own keys, by a hash of the topic name).
"""
