"""Django's own signals that end a socket's rights: signing out (any way: the page, the API, the
admin) ends what that session's sockets may follow."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from . import services


@receiver(user_logged_out, dispatch_uid="live.session_ended")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or user.pk is None:
        return
    session = getattr(request, "session", None)
    services.session_ended(user_id=user.pk, session_key=getattr(session, "session_key", None))
