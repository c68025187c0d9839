from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class RegisterForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("登录时使用，例如手机号或拼音"))
    display_name = forms.CharField(
        label=_("称呼"), max_length=50, required=False, help_text=_("邻居们看到的名字，例如：王阿姨")
    )
    phone = forms.CharField(label=_("手机号（可选）"), max_length=20, required=False)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, help_text=_("至少 8 位，不要全是数字"))
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput)
    preferred_language = forms.ChoiceField(label=_("语言"), choices=User.Language.choices, initial="zh-hans")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("拒绝原因"), max_length=300)
