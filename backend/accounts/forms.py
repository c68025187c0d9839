from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import Community

from .models import AssistanceConsent, User


class RegisterForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时使用，例如手机号或拼音"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    display_name = forms.CharField(
        label=_("称呼"), max_length=50, required=False, help_text=_("邻居们看到的名字，例如：王阿姨")
    )
    phone = forms.CharField(
        label=_("手机号（可选）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不要全是数字"),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    preferred_language = forms.ChoiceField(label=_("语言"), choices=User.Language.choices, initial="zh-hans")
    community = forms.ModelChoiceField(
        label=_("我住在（可选）"),
        queryset=Community.objects.select_related("township").order_by("township__name", "name"),
        required=False,
        empty_label=_("稍后再选"),
        help_text=_("选择后会同时提交加入申请，由社区工作者认证"),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("称呼"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("手机号"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.EmailField(label=_("邮箱（可选）"), required=False, help_text=_("填写后，重要通知也会发到邮箱"))
    preferred_language = forms.ChoiceField(label=_("语言"), choices=User.Language.choices)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("拒绝原因"), max_length=300)


class ConsentForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区"), queryset=Community.objects.none(), empty_label=_("请选择社区"))
    resident = forms.ModelChoiceField(
        label=_("居民"),
        queryset=User.objects.none(),
        empty_label=_("请选择居民"),
        help_text=_("只能选择本社区的认证居民"),
    )
    method = forms.ChoiceField(label=_("同意方式"), choices=AssistanceConsent.Method.choices)
    scope = forms.CharField(label=_("代办事项"), max_length=200, help_text=_("例如：为“小区改造投票”代为投票"))
    given_at = forms.DateTimeField(
        label=_("同意时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=_("备注（可选）"), max_length=300, required=False)

    def __init__(self, *args, communities, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["resident"].queryset = residents
        self.fields["resident"].label_from_instance = lambda u: f"{u.name}（{u.username}）"
        if not self.is_bound:
            self.initial["given_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
            if len(communities) == 1:
                self.initial["community"] = communities[0].pk
