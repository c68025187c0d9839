from collections.abc import Mapping

from django import forms
from django.contrib import messages

from .errors import ApplicationError


def apply_error(
    request, form: forms.Form | None, exc: ApplicationError, renamed: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal on a page: field messages inline, the rest as a message.
    `renamed` maps the service's field names to the form's where they differ (a service asks
    for `amount_fen`, the page for `amount_yuan`)."""
    placed = False
    if form is not None:
        for service_field, msgs in exc.fields.items():
            field = (renamed or {}).get(service_field, service_field)
            if field in form.fields:
                for m in msgs if isinstance(msgs, list | tuple) else [msgs]:
                    form.add_error(field, str(m))
                placed = True
    if not placed:
        messages.error(request, str(exc.message))
