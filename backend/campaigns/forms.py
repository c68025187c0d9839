"""Page forms. They only shape input; the services decide what is allowed."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import CharityFund, Community, SocialOrganisation, SocialWorkStation, VolunteerTeam

from .models import BeneficiaryTag, Campaign, Dimension, Pledge

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def yuan_to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    story = forms.CharField(
        label=_("项目故事"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("要解决什么问题、打算怎么做、谁会受益。"),
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("社区"), queryset=Community.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DT)
    deadline = forms.DateTimeField(label=_("截止时间"), widget=DT)
    money_mode = forms.ChoiceField(
        label=_("资金模式"), choices=Campaign.MoneyMode.choices, help_text=_("全有或全无：未达成目标时款项全部退回。")
    )
    tags = forms.MultipleChoiceField(
        label=_("受益对象"), choices=BeneficiaryTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    stations = forms.ModelMultipleChoiceField(
        label=_("主办社工站"),
        queryset=SocialWorkStation.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("协办社会组织"),
        queryset=SocialOrganisation.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    funds = forms.ModelMultipleChoiceField(
        label=_("资助慈善基金"), queryset=CharityFund.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("志愿者队伍"), queryset=VolunteerTeam.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cover = forms.ImageField(label=_("封面图片"), required=False, help_text=_("JPEG / PNG，不超过 5 MB。"))

    PARTNER_ROLES = {
        "stations": ("station", "host"),
        "organisations": ("organisation", "co_organiser"),
        "funds": ("fund", "funder"),
        "teams": ("team", "volunteer_team"),
    }

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities if communities is not None else Community.objects.none()

    def partners(self) -> list[dict]:
        out = []
        for field, (kind, role) in self.PARTNER_ROLES.items():
            out += [{"kind": kind, "id": obj.pk, "role": role} for obj in self.cleaned_data.get(field) or []]
        return out


class NeedForm(forms.Form):
    dimension = forms.ChoiceField(label=_("维度"), choices=Dimension.choices)
    title = forms.CharField(label=_("需求名称"), max_length=120)
    target = forms.DecimalField(
        label=_("目标"),
        min_value=Decimal("0.01"),
        decimal_places=2,
        help_text=_("资金填元；其他填数量（方案份数、建议条数、物品件数、志愿者人次）。"),
    )
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    skills = forms.CharField(label=_("所需技能"), max_length=200, required=False)
    required = forms.BooleanField(
        label=_("必须达成（未达成则行动失败）"),
        required=False,
        initial=True,
        help_text=_("建议类（筹智慧）需求通常不必勾选。"),
    )

    # Dimensions whose needs are required unless the organiser says otherwise: a campaign
    # cannot go ahead without its plan, money, goods or volunteers, but it can without more advice.
    REQUIRED_BY_DEFAULT = (Dimension.PROJECT, Dimension.RESOURCE, Dimension.MONEY, Dimension.PEOPLE)
    allow_over_pledge = forms.BooleanField(label=_("允许超额认筹"), required=False)

    def target_value(self) -> int:
        value = self.cleaned_data["target"]
        if self.cleaned_data["dimension"] == Dimension.MONEY:
            return yuan_to_fen(value)
        return int(value)


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DT)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DT)
    capacity = forms.IntegerField(label=_("需要人数"), min_value=1)
    place = forms.CharField(label=_("地点"), max_length=120, required=False)


class _PledgeBase(forms.Form):
    anonymous = forms.BooleanField(label=_("匿名显示"), required=False)


class ProjectPledgeForm(_PledgeBase):
    summary = forms.CharField(label=_("方案名称"), max_length=200)
    body = forms.CharField(label=_("具体做法"), widget=forms.Textarea(attrs={"rows": 4}))
    carried_by = forms.CharField(label=_("由谁实施"), max_length=120)
    budget_yuan = forms.DecimalField(label=_("预算（元）"), min_value=0, decimal_places=2, required=False)
    field_order = ["summary", "body", "carried_by", "budget_yuan", "anonymous"]

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "summary": d["summary"],
            "body": d["body"],
            "carried_by": d["carried_by"],
            "budget_fen": yuan_to_fen(d.get("budget_yuan")),
        }


class IdeaPledgeForm(_PledgeBase):
    body = forms.CharField(label=_("您的建议"), widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["body", "anonymous"]

    def service_fields(self) -> dict:
        return {"body": self.cleaned_data["body"]}


class ResourcePledgeForm(_PledgeBase):
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    estimated_value_yuan = forms.DecimalField(
        label=_("估值（元，可不填）"), min_value=0, decimal_places=2, required=False
    )
    body = forms.CharField(label=_("备注"), required=False, max_length=300)
    field_order = ["quantity", "estimated_value_yuan", "body", "anonymous"]

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "quantity": d["quantity"],
            "estimated_value_fen": yuan_to_fen(d.get("estimated_value_yuan")),
            "body": d["body"],
        }


class PeoplePledgeForm(_PledgeBase):
    shift_id = forms.TypedChoiceField(label=_("选择班次"), coerce=int, widget=forms.RadioSelect)
    body = forms.CharField(label=_("备注（可写技能）"), required=False, max_length=300)
    field_order = ["shift_id", "body", "anonymous"]

    def __init__(self, *args, shifts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift_id"].choices = [(s.pk, s.label) for s in shifts]

    def service_fields(self) -> dict:
        return {"shift_id": self.cleaned_data["shift_id"], "body": self.cleaned_data["body"]}


# Money is given on the funding app's page, where the payment is taken with the pledge; a money
# pledge made here would wait for a payment that never comes.
PLEDGE_FORMS = {
    Dimension.PROJECT: ProjectPledgeForm,
    Dimension.IDEA: IdeaPledgeForm,
    Dimension.RESOURCE: ResourcePledgeForm,
    Dimension.PEOPLE: PeoplePledgeForm,
}


class OfflineMoneyForm(forms.Form):
    amount_yuan = forms.DecimalField(label=_("金额（元）"), min_value=Decimal("0.01"), decimal_places=2)
    contributor_name = forms.CharField(label=_("捐赠人"), max_length=50, required=False)
    anonymous = forms.BooleanField(label=_("匿名显示"), required=False)
    evidence = forms.ImageField(label=_("收据照片"))
    note = forms.CharField(label=_("备注"), required=False, max_length=300)


class DashboardFilterForm(forms.Form):
    campaign = forms.TypedChoiceField(label=_("行动"), coerce=int, required=False, empty_value=None)
    dimension = forms.ChoiceField(label=_("维度"), choices=[("", _("全部")), *Dimension.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *Pledge.Status.choices], required=False)
    date_from = forms.DateField(label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("全部")), *[(c.pk, c.title) for c in campaigns]]


class ProgressUpdateForm(forms.Form):
    body = forms.CharField(label=_("进展内容"), widget=forms.Textarea(attrs={"rows": 4}))
    photos = forms.ImageField(label=_("照片（可选）"), required=False)
