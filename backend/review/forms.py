"""Page forms. They only shape input (yuan → fen, dates, files); the rules are in services."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import BeneficiaryTag

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


# --- Calls and the fund's rules ---------------------------------------------------------------------

PARTNER_KIND_CHOICES = [
    ("community", _("社区")),
    ("station", _("社会工作站")),
    ("organisation", _("社会组织")),
    ("fund", _("慈善基金")),
    ("team", _("志愿服务队")),
]
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LOCKED_HELP = _("已经有申请了，这一项不能再改。")


class CallForm(forms.Form):
    """A call's fields. With `pools` the form creates a call (choose the pool); with `locked`
    (applications exist) the criteria, questions and start are shown but not editable."""

    pool = forms.TypedChoiceField(
        label=_("使用哪个配捐池"),
        coerce=int,
        help_text=_("获批的行动由这个配捐池按它的比例和上限配捐；一个配捐池只能发布一份申报指南。"),
    )
    title = forms.CharField(label=_("标题"), max_length=120, help_text=_("例如“一老一小微项目配捐（第二期）”。"))
    description = forms.CharField(
        label=_("说明（可不填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("支持什么样的项目、怎么配捐、评审看重什么。社区工作者申请前会读到。"),
    )
    opens_at = forms.DateTimeField(
        label=_("开始接受申请（可不填）"),
        required=False,
        widget=_DATETIME,
        help_text=_("不填就是发布后马上开始。"),
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间（可不填）"),
        required=False,
        widget=_DATETIME,
        help_text=_("到点后不再接受新申请；不填就一直接受，直到您提前结束征集。"),
    )
    max_ask_yuan = yuan_field(
        _("每个行动最多可申请（元，可不填）"), required=False, help_text=_("不填表示不限；例如 20000。")
    )
    tags = forms.MultipleChoiceField(
        label=_("只支持这些受益人群（可不选）"),
        required=False,
        choices=BeneficiaryTag.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("行动至少要有一个勾选的受益标签；都不勾表示不限。"),
    )
    townships = forms.TypedMultipleChoiceField(
        label=_("只支持这些街道的社区（可不选）"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("行动的主办社区要在勾选的街道（乡镇）里；都不勾表示不限。"),
    )
    partner_kinds = forms.MultipleChoiceField(
        label=_("要求有这些类型的合作方（可不选）"),
        required=False,
        choices=PARTNER_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("行动至少要有一个勾选类型的合作方；都不勾表示不限。"),
    )
    questions = forms.CharField(
        label=_("申请时要回答的问题（可不填）"),
        required=False,
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行写一个问题，最多 20 个。社区工作者申请时要逐一回答。"),
    )

    LOCKABLE = ("opens_at", "tags", "townships", "partner_kinds", "questions")

    def __init__(self, *args, pools=None, townships=(), locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if pools is None:
            del self.fields["pool"]
        else:
            self.fields["pool"].choices = [(p.pk, p.name) for p in pools]
        self.fields["townships"].choices = [(t.pk, f"{t.district.name} · {t.name}") for t in townships]
        if locked:
            for name in self.LOCKABLE:
                self.fields[name].disabled = True
                self.fields[name].help_text = LOCKED_HELP

    def _same_minute(self, name: str) -> dt.datetime | None:
        """A time shown to the minute and posted back unchanged keeps its stored seconds."""
        value, initial = self.cleaned_data.get(name), self.initial.get(name)
        if value is not None and initial is not None and value == initial.replace(second=0, microsecond=0):
            return initial
        return value

    def clean_opens_at(self):
        return self._same_minute("opens_at")

    def clean_closes_at(self):
        return self._same_minute("closes_at")

    def clean_questions(self) -> list[str]:
        value = self.cleaned_data["questions"]
        if isinstance(value, list | tuple):  # a disabled field keeps its initial list
            return list(value)
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    @staticmethod
    def initial_from(call) -> dict:
        return {
            "title": call.title,
            "description": call.description,
            "opens_at": call.opens_at,
            "closes_at": call.closes_at,
            "max_ask_yuan": None if call.max_ask_fen is None else Decimal(call.max_ask_fen) / 100,
            "tags": list(call.tags),
            "townships": list(call.townships),
            "partner_kinds": list(call.partner_kinds),
            "questions": "\n".join(call.questions),
        }


class CloseCallForm(forms.Form):
    reason = forms.CharField(
        label=_("为什么提前结束（可不填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("会记入审计记录，例如“预算已用完”。"),
    )


class PolicyForm(forms.Form):
    """The fund's two-approval rules, one choice and one amount per kind of decision."""

    ONE, ABOVE, ALL = "one", "above", "all"
    RULE_CHOICES = [
        (ONE, _("一位评审批准就可以")),
        (ABOVE, _("金额高于下面填的数时，要两位不同的评审都批准")),
        (ALL, _("每一笔都要两位不同的评审都批准")),
    ]

    application_rule = forms.ChoiceField(
        label=_("批准配捐申请"), choices=RULE_CHOICES, widget=forms.RadioSelect, initial=ONE
    )
    application_above_yuan = yuan_field(
        _("配捐申请：高于多少元要两人批准"),
        required=False,
        help_text=_(
            "只在选了“金额高于下面填的数”时才用。例如填 15000：申请 15000 元及以下一人批准即可，超过的要两人。"
        ),
    )
    item_rule = forms.ChoiceField(
        label=_("批准资金使用申请（支出）"), choices=RULE_CHOICES, widget=forms.RadioSelect, initial=ONE
    )
    item_above_yuan = yuan_field(
        _("支出：高于多少元要两人批准"),
        required=False,
        help_text=_("只在选了“金额高于下面填的数”时才用。例如填 3000：3000 元及以下的支出一人批准即可。"),
    )

    def clean(self):
        data = super().clean()
        for kind in ("application", "item"):
            if data.get(f"{kind}_rule") == self.ABOVE and data.get(f"{kind}_above_yuan") is None:
                self.add_error(f"{kind}_above_yuan", _("选了“金额高于下面填的数”，请填写金额。"))
        return data

    def threshold_fen(self, kind: str) -> int | None:
        """The threshold as the service takes it: None (one approval), 0 (always two) or fen."""
        rule = self.cleaned_data[f"{kind}_rule"]
        if rule == self.ONE:
            return None
        if rule == self.ALL:
            return 0
        return to_fen(self.cleaned_data[f"{kind}_above_yuan"])

    @classmethod
    def initial_from(cls, policy) -> dict:
        initial: dict = {}
        for kind in ("application", "item"):
            fen = getattr(policy, f"{kind}_two_approvals_above_fen", None) if policy else None
            initial[f"{kind}_rule"] = cls.ONE if fen is None else cls.ALL if fen == 0 else cls.ABOVE
            initial[f"{kind}_above_yuan"] = Decimal(fen) / 100 if fen else None
        return initial
