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


def yuan_field(label, required: bool = True, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


class ApplicationForm(forms.Form):
    ask_yuan = yuan_field(
        _("申请配捐额（元）"), help_text=_("希望基金配捐的钱数，单位是元，例如 5000；不能超过指南的最高额。")
    )
    statement = forms.CharField(
        label=_("申请说明"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text=_("用几句话说明：这笔钱买什么、做什么，惠及哪些居民、大约多少人。"),
    )

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
    title = forms.CharField(
        label=_("里程碑名称"), max_length=120, help_text=_("项目中的一个阶段，例如“屋顶防水完工”。")
    )
    need = forms.TypedChoiceField(
        label=_("对应需求"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("这个阶段主要用到哪项需求；不确定可以不选。"),
    )
    description = forms.CharField(
        label=_("说明（可不填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("这一阶段要做什么，居民会在公开问责页看到。"),
    )
    due_on = forms.DateField(
        label=_("计划完成日期（可不填）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", _("（不对应具体需求）"))] + [
            (n.pk, f"{n.get_dimension_display()} · {n.title}") for n in needs
        ]


class MilestoneReportForm(forms.Form):
    milestone = forms.TypedChoiceField(label=_("报告哪个里程碑"), coerce=int, help_text=_("括号里是目前的完成度。"))
    percent_done = forms.IntegerField(
        label=_("现在完成了多少（%）"),
        min_value=0,
        max_value=100,
        help_text=_("填 0 到 100 的数字，例如做完一半填 50，全部完成填 100。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    body = forms.CharField(
        label=_("这次完成了什么"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("写给居民看的进展，例如“防水卷材铺好了，下雨不再漏”。"),
    )
    photos = MultipleFileField(
        label=_("现场照片（可不填）"),
        required=False,
        help_text=_("可以一次选多张，居民会在公开问责页看到。"),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [(m.pk, f"{m.title}（{m.percent_done}%）") for m in milestones]
