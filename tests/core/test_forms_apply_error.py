"""A service's refusal on a page: field messages land on the form's own fields (renamed where the
page names them differently), anything else becomes one message."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from core.errors import ApplicationError
from core.forms import apply_error


class GiftForm(forms.Form):
    amount_yuan = forms.DecimalField()


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_renamed_field_error_is_shown_on_the_forms_field():
    request, form = _request(), GiftForm({"amount_yuan": "1"})
    form.is_valid()
    apply_error(
        request,
        form,
        ApplicationError("请检查。", fields={"amount_fen": ["金额太大。"]}),
        {"amount_fen": "amount_yuan"},
    )
    assert form.errors["amount_yuan"] == ["金额太大。"]
    assert list(get_messages(request)) == []


def test_an_error_the_form_has_no_field_for_is_one_message():
    request, form = _request(), GiftForm({"amount_yuan": "1"})
    form.is_valid()
    apply_error(
        request,
        form,
        ApplicationError("这个班次已经报满了。", fields={"shift_id": ["满了。"]}),
        {"amount_fen": "amount_yuan"},
    )
    assert not form.errors
    assert [str(m) for m in get_messages(request)] == ["这个班次已经报满了。"]
