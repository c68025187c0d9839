from django import forms
from django.utils.translation import gettext_lazy as _

from .models import VolunteerTeam


class VolunteerProfileForm(forms.Form):
    skills = forms.CharField(
        label=_("我的技能"), max_length=200, required=False, help_text=_("用逗号分隔，例如：园艺, 电工")
    )
    availability = forms.CharField(
        label=_("空闲时间"), max_length=200, required=False, help_text=_("例如：周末上午、工作日晚上")
    )
    team = forms.ModelChoiceField(
        label=_("志愿者队伍（可选）"),
        queryset=VolunteerTeam.objects.select_related("community").order_by("name"),
        required=False,
        empty_label=_("暂不加入队伍"),
        help_text=_("社区的队伍只接收该社区的认证居民"),
    )
    is_public = forms.BooleanField(label=_("在队伍页面公开我的称呼和技能"), required=False, initial=True)
