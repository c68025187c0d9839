from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Problem, ProblemSettings


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; their content is checked by the service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultiplePhotoField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ProblemForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=80, help_text=_("一句话说清楚，例如：3 幢楼道灯坏了一个月"))
    description = forms.CharField(
        label=_("问题描述"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("发生了什么、影响了谁、持续多久了"),
    )
    category = forms.ChoiceField(label=_("类别"), choices=[("", _("请选择")), *Problem.Category.choices])
    tags = forms.TypedMultipleChoiceField(
        label=_("受益人群"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    place = forms.CharField(
        label=_("地点（可选）"), max_length=120, required=False, help_text=_("例如：小区北门儿童游乐场")
    )
    latitude = forms.DecimalField(
        label=_("纬度（可选）"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("经度（可选）"), max_digits=10, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    photos = MultiplePhotoField(
        label=_("照片（可选）"),
        required=False,
        help_text=_("最多 %(n)s 张，JPEG、PNG 或 WebP，每张不超过 %(mb)s MB")
        % {"n": settings.PROBLEMS_PHOTO_MAX_COUNT, "mb": settings.PROBLEMS_PHOTO_MAX_BYTES // (1024 * 1024)},
    )

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t.pk, t.name) for t in tags]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("说说您的看法"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    body = forms.CharField(label=_("评论内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(label=_("新的状态"), choices=[])
    reason = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [("", _("请选择")), *((s, Problem.Status(s).label) for s in targets)]


class SettingsForm(forms.Form):
    threshold_kind = forms.ChoiceField(label=_("关注门槛"), choices=ProblemSettings.ThresholdKind.choices)
    threshold_value = forms.IntegerField(
        label=_("数值"), min_value=1, help_text=_("固定人数，或认证居民的百分比（1–100）")
    )


class TagForm(forms.Form):
    name = forms.CharField(label=_("新的受益人群标签"), max_length=20, help_text=_("例如：新市民、残障人士"))


def ballot_methods() -> list[tuple[str, str]]:
    """The voting methods that fit a list of problems (participatory budgeting needs costs)."""
    try:
        from voting.models import Ballot
    except ImportError:
        return []
    return [(value, label) for value, label in Ballot.Method.choices if value != "budget"]


class VoteForm(forms.Form):
    problem_ids = forms.TypedMultipleChoiceField(
        label=_("交付投票的问题"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    question = forms.CharField(label=_("投票问题"), max_length=200, initial=_("您认为社区最应该先解决哪个问题？"))
    description = forms.CharField(label=_("说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(label=_("投票方式"), choices=[])
    opens_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem_ids"].choices = [(p.pk, p.title) for p in problems]
        self.fields["method"].choices = ballot_methods()
