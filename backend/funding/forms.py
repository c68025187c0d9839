import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def yuan_to_fen(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,96}$")


class CardForm(forms.Form):
    """The card as Stripe.js hands it over: the id of a PaymentMethod (`pm_…`) made in the donor's
    browser. The card number itself goes from the browser to Stripe and never reaches our server."""

    payment_method = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": _("请填写银行卡信息。")},
    )

    def clean_payment_method(self) -> str:
        value = self.cleaned_data["payment_method"].strip()
        if not PAYMENT_METHOD_ID.match(value):
            raise forms.ValidationError(_("支付方式无效。"))
        return value


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
    field_order = ["need", "amount_yuan", "message", "anonymous", "consent_to_charge_later"]

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


def fen_to_yuan(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / 100


def _yuan_field(label, *, required: bool = True, min_value: str = "0", help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(min_value),
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PoolRulesForm(forms.Form):
    """A pool's rules, as a manager edits them (amounts in yuan; the service takes fen)."""

    YUAN_FIELDS = {
        "per_pledge_cap_yuan": "per_pledge_cap_fen",
        "per_donor_cap_yuan": "per_donor_cap_fen",
        "per_campaign_cap_yuan": "per_campaign_cap_fen",
    }

    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(
        label=_("说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    # The ratio reads "for every N yuan given the pool adds M": N is the denominator, M the numerator.
    ratio_denominator = forms.IntegerField(
        label=_("配捐比例：居民每捐（元）"), min_value=1, initial=1, help_text=_("例：每捐 2 元配 1 元，这里填 2")
    )
    ratio_numerator = forms.IntegerField(
        label=_("配捐池配（元）"), min_value=1, initial=1, help_text=_("例：每捐 2 元配 1 元，这里填 1")
    )
    per_pledge_cap_yuan = _yuan_field(_("单笔配捐上限（元，可选）"), required=False, help_text=_("不填则不限"))
    per_donor_cap_yuan = _yuan_field(_("每人每项目配捐上限（元，可选）"), required=False, help_text=_("不填则不限"))
    per_campaign_cap_yuan = _yuan_field(_("每项目配捐上限（元，可选）"), required=False, help_text=_("不填则不限"))
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=_DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=_DATETIME)
    daily_start = forms.TimeField(label=_("每日开始（可选）"), required=False, widget=_TIME)
    daily_end = forms.TimeField(
        label=_("每日结束（可选）"), required=False, widget=_TIME, help_text=_("只在每天这段时间内配捐；可跨午夜")
    )
    stacking_order = forms.IntegerField(
        label=_("叠加顺序"), min_value=0, initial=100, help_text=_("数字小的配捐池先配捐")
    )
    conditional = forms.BooleanField(label=_("达标后才配捐（行动成功前只预留）"), required=False)
    matches_offline = forms.BooleanField(
        label=_("为线下捐款配捐"),
        required=False,
        help_text=_("勾选后，社区工作者凭收据登记的现金捐款也按同样规则配捐。"),
    )

    @classmethod
    def initial_for(cls, pool) -> dict:
        initial = {field: getattr(pool, field) for field in ("name", "description", "ratio_numerator",
                   "ratio_denominator", "starts_at", "ends_at", "daily_start", "daily_end", "stacking_order",
                   "conditional", "matches_offline")}  # fmt: skip
        for form_field, model_field in cls.YUAN_FIELDS.items():
            initial[form_field] = fen_to_yuan(getattr(pool, model_field))
        return initial

    def service_values(self) -> dict:
        """Cleaned data in the service's terms (fen)."""
        values = {k: v for k, v in self.cleaned_data.items() if k not in self.YUAN_FIELDS}
        for form_field, model_field in self.YUAN_FIELDS.items():
            value = self.cleaned_data.get(form_field)
            values[model_field] = yuan_to_fen(value) if value is not None else None
        return values

    @classmethod
    def service_to_form(cls) -> dict[str, str]:
        """The service's field names (fen) mapped to this form's (yuan), for `apply_error`."""
        return {v: k for k, v in cls.YUAN_FIELDS.items()}


class PoolCreateForm(PoolRulesForm):
    """A new pool: its funder (limited to those the person manages) and first budget, then rules."""

    YUAN_FIELDS = {**PoolRulesForm.YUAN_FIELDS, "budget_yuan": "budget_fen"}

    tier = forms.ChoiceField(label=_("层级"))
    district = forms.ModelChoiceField(label=_("行政区（区县级配捐池）"), queryset=None, required=False)
    township = forms.ModelChoiceField(label=_("乡镇街道（乡镇街道级配捐池）"), queryset=None, required=False)
    fund = forms.ModelChoiceField(label=_("慈善基金（慈善基金配捐池）"), queryset=None, required=False)
    budget_yuan = _yuan_field(_("预算（元）"), min_value="0.01")

    def __init__(self, *args, funders: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = funders["tiers"]
        for field in ("district", "township", "fund"):
            if funders[field] is None:
                del self.fields[field]
            else:
                self.fields[field].queryset = funders[field]
        self.order_fields(["name", "tier", "district", "township", "fund", "budget_yuan", "description",
                           "ratio_denominator", "ratio_numerator"])  # fmt: skip


class PoolTopUpForm(forms.Form):
    amount_yuan = _yuan_field(_("追加金额（元）"), min_value="0.01")
    note = forms.CharField(label=_("备注（可选）"), max_length=300, required=False)
