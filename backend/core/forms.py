from django import forms
from django.contrib import messages

from .errors import ApplicationError


def apply_error(request, form: forms.Form | None, exc: ApplicationError) -> None:
    """Show a service's refusal on a page: field messages inline, the rest as a message."""
    placed = False
    if form is not None:
        for field, msgs in exc.fields.items():
            if field in form.fields:
                for m in msgs if isinstance(msgs, list | tuple) else [msgs]:
                    form.add_error(field, str(m))
                placed = True
    if not placed:
        messages.error(request, str(exc.message))
