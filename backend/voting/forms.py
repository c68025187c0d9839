"""Page forms. They turn what a person types into the plain values the services take; the rules
themselves are in services and methods."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import Community

from .models import Ballot


def yuan_to_fen(text: str) -> int:
    value = Decimal(text.strip().replace(",", "").replace("，", ""))
    if value != value.quantize(Decimal("0.01")):
        raise InvalidOperation
    return int(value * 100)


def fen_to_yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{fen // 100}.{fen % 100:02d}" if fen % 100 else str(fen // 100)


class BallotForm(forms.Form):
    communities = forms.ModelMultipleChoiceField(
        label=_("投票所属社区"), queryset=Community.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    question = forms.CharField(label=_("投票议题"), max_length=200)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(label=_("投票方式"), choices=Ballot.Method.choices)
    options_text = forms.CharField(
        label=_("选项"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一个选项。参与式预算请写成“名称 | 费用（元）”，例如：修缮凉亭 | 6000"),
    )
    opens_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    results_policy = forms.ChoiceField(label=_("结果公开方式"), choices=Ballot.ResultsPolicy.choices)
    quorum = forms.IntegerField(label=_("最低参与人数（可不填）"), required=False, min_value=1)
    max_choices = forms.IntegerField(
        label=_("最多可选项数（可不填）"),
        required=False,
        min_value=1,
        help_text=_("用于认可投票、排序投票和参与式预算。"),
    )
    budget_yuan = forms.CharField(label=_("总预算（元，参与式预算必填）"), required=False, max_length=20)
    allow_revote = forms.BooleanField(label=_("截止前允许凭回执码改票"), required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities if communities is not None else Community.objects.none()

    def clean_budget_yuan(self) -> int | None:
        text = self.cleaned_data.get("budget_yuan", "").strip()
        if not text:
            return None
        try:
            return yuan_to_fen(text)
        except InvalidOperation:
            raise forms.ValidationError(_("请填写金额，例如 10000 或 10000.50。")) from None

    def clean_options_text(self) -> list[dict]:
        options = []
        for n, line in enumerate(self.cleaned_data["options_text"].splitlines(), start=1):
            if not line.strip():
                continue
            label, sep, cost = line.partition("|")
            option = {"label": label.strip()}
            if sep:
                try:
                    option["cost_fen"] = yuan_to_fen(cost)
                except InvalidOperation:
                    raise forms.ValidationError(_("第 %(n)d 行的费用不是金额。") % {"n": n}) from None
            options.append(option)
        return options

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "community_ids": [c.pk for c in data["communities"]],
            "question": data["question"],
            "description": data["description"],
            "method": data["method"],
            "options": data["options_text"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "quorum": data["quorum"],
            "results_policy": data["results_policy"],
            "max_choices": data["max_choices"],
            "budget_fen": data["budget_yuan"],
            "allow_revote": data["allow_revote"],
        }

    def options_for(self, ballot: Ballot) -> list[dict] | None:
        """The edited options for `ballot`, or None when unchanged. An option keeping its name
        keeps its description and what it refers to (a problem, a proposal)."""
        existing = {o.label: o for o in ballot.options.all()}
        options = self.cleaned_data["options_text"]
        if [(o["label"], o.get("cost_fen")) for o in options] == [(o.label, o.cost_fen) for o in existing.values()]:
            return None
        merged = []
        for option in options:
            old = existing.get(option["label"])
            if old is not None:
                option = {"description": old.description, "ref_kind": old.ref_kind, "ref_id": old.ref_id, **option}
            merged.append(option)
        return merged

    @staticmethod
    def initial_for(ballot: Ballot) -> dict:
        lines = [
            f"{o.label} | {fen_to_yuan(o.cost_fen)}" if o.cost_fen is not None else o.label
            for o in ballot.options.all()
        ]
        return {
            "communities": list(ballot.communities.all()),
            "question": ballot.question,
            "description": ballot.description,
            "method": ballot.method,
            "options_text": "\n".join(lines),
            "opens_at": ballot.opens_at,
            "closes_at": ballot.closes_at,
            "results_policy": ballot.results_policy,
            "quorum": ballot.quorum,
            "max_choices": ballot.max_choices,
            "budget_yuan": fen_to_yuan(ballot.budget_fen),
            "allow_revote": ballot.allow_revote,
        }


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("回执码"), max_length=40, help_text=_("投票后拿到的 16 位回执码，例如 ABCD-EFGH-1234-5678")
    )


def choices_from_post(ballot: Ballot, post) -> dict:
    """Read the voting form of `ballot`'s method into the choices the service validates."""
    ids = [o.pk for o in ballot.options.all()]
    if ballot.method == Ballot.Method.SINGLE:
        value = post.get("option", "")
        return {"option": None if value in ("", "blank") else value}
    if ballot.method in (Ballot.Method.APPROVAL, Ballot.Method.BUDGET):
        return {"options": post.getlist("options")}
    if ballot.method == Ballot.Method.SCORE:
        return {"scores": {str(oid): post.get(f"score_{oid}", "") for oid in ids}}
    ranks = {}
    for oid in ids:
        value = post.get(f"rank_{oid}", "")
        if value:
            ranks[oid] = value
    return {"ranks": ranks}
