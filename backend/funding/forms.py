from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def yuan_to_fen(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


class CardForm(forms.Form):
    """Test mode: the card is typed here and sent to our server, which asks the local Stripe
    server for a PaymentMethod. In production the page uses Stripe.js and only a `pm_…` id
    reaches us."""

    card_number = forms.CharField(
        label=_("银行卡号（测试卡）"),
        max_length=19,
        help_text=_("测试环境：4242 4242 4242 4242 成功；4000 0000 0000 0002 被拒绝"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )
    exp_month = forms.IntegerField(
        label=_("有效期（月）"),
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-month"}),
    )
    exp_year = forms.IntegerField(
        label=_("有效期（年）"),
        min_value=2019,
        max_value=2099,
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-year"}),
    )
    cvc = forms.CharField(
        label=_("安全码"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-csc"}),
    )


class GiveForm(CardForm):
    need = forms.TypedChoiceField(label=_("捐给"), coerce=int)
    amount_yuan = forms.DecimalField(
        label=_("捐款金额（元）"),
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    message = forms.CharField(
        label=_("留言（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    anonymous = forms.BooleanField(label=_("匿名捐款（公开页面不显示我的名字）"), required=False)
    consent_to_charge_later = forms.BooleanField(
        label=_("我同意：行动成功后再从这张卡扣款；行动未达成则不扣款"), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    field_order = ["need", "amount_yuan", "message", "anonymous", "card_number", "exp_month", "exp_year", "cvc"]

    def __init__(self, *args, needs=(), ask_consent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [(n.pk, n.title) for n in needs]
        if not ask_consent:
            del self.fields["consent_to_charge_later"]
        self.fields["amount_yuan"].max_value = Decimal(settings.FUNDING_MAX_PLEDGE_FEN) / 100


class RefundForm(forms.Form):
    amount_yuan = forms.DecimalField(
        label=_("退款金额（元）"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    reason = forms.CharField(label=_("退款原因"), max_length=300)


class PoolApprovalForm(forms.Form):
    campaign = forms.TypedChoiceField(label=_("批准入池的行动"), coerce=int)
    cap_override_yuan = forms.DecimalField(
        label=_("本行动配捐上限（元，可选）"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=_("不填则使用配捐池的统一上限"),
    )

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(c.pk, c.title) for c in campaigns]
