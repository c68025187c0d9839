"""Page forms. They only shape input (yuan → fen, dates, files); the rules are in services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Decision


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def yuan_field(label, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


class ApplicationForm(forms.Form):
    ask_yuan = yuan_field(_("申请配捐额（元）"))
    statement = forms.CharField(label=_("申请说明"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)

    def __init__(self, *args, questions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for i, q in enumerate(self.questions):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=q, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
            )

    def answers(self) -> list[str]:
        return [self.cleaned_data.get(f"answer_{i}", "") for i in range(len(self.questions))]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("评审决定"), choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("不通过或要求修改时必填，申请人会看到。"),
    )


class ApplicationDecisionForm(DecisionForm):
    conditions = forms.CharField(
        label=_("附加条件"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    cap_yuan = yuan_field(_("批准上限（元，可低于申请额）"), required=False)


class ItemForm(forms.Form):
    need = forms.TypedChoiceField(label=_("对应需求"), coerce=int)
    description = forms.CharField(label=_("买了什么 / 付了什么钱"), max_length=200)
    amount_yuan = yuan_field(_("金额（元）"))
    payee = forms.CharField(label=_("收款方"), max_length=100)
    spent_on = forms.DateField(label=_("支出日期"), widget=forms.DateInput(attrs={"type": "date"}))
    receipts = MultipleFileField(
        label=_("票据"),
        required=False,
        help_text=_("发票或收据的照片（JPG、PNG、WEBP）或 PDF，每个不超过 10 MB。"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )

    def __init__(self, *args, needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [(n.pk, f"{n.get_dimension_display()} · {n.title}") for n in needs]


class DisburseForm(forms.Form):
    transfer_reference = forms.CharField(
        label=_("转账凭证号"), max_length=100, help_text=_("银行转账流水号或支付凭证编号。")
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("里程碑名称"), max_length=120)
    need = forms.TypedChoiceField(label=_("对应需求"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("计划完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", _("（不对应具体需求）"))] + [
            (n.pk, f"{n.get_dimension_display()} · {n.title}") for n in needs
        ]


class MilestoneReportForm(forms.Form):
    milestone = forms.TypedChoiceField(label=_("里程碑"), coerce=int)
    percent_done = forms.IntegerField(label=_("完成度（%）"), min_value=0, max_value=100)
    body = forms.CharField(label=_("这次完成了什么"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photos = MultipleFileField(label=_("照片"), required=False, widget=MultipleFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [(m.pk, f"{m.title}（{m.percent_done}%）") for m in milestones]
