from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from network.models import Community

from . import services
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


class SignInForm(AuthenticationForm):
    refusal = ""

    def clean(self):
        client_ip = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        username = self.data.get("username", "")
        try:
            services.sign_in_allowed(username=username, client_ip=client_ip)
        except ApplicationError as exc:
            self.refusal = str(exc.message)
            raise forms.ValidationError(self.refusal, code=exc.code) from exc
        try:
            return super().clean()
        except forms.ValidationError as exc:
            if exc.code == "invalid_login":
                services.sign_in_failed(username=username, client_ip=client_ip)
            raise

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        try:
            services.user_sign_in_check(user=user)
        except ApplicationError as exc:
            self.refusal = str(exc.message)  # shown instead of "wrong name or password"
            raise forms.ValidationError(self.refusal, code=exc.code) from exc


class ResetByEmailForm(PasswordResetForm):
    """忘记密码: the reset link is sent by a background task, so the answer takes as long and
    reads the same whether or not the address belongs to anyone."""

    email = forms.EmailField(label=_("邮箱"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        # Someone who signed in with a temporary password and left before choosing their own has
        # no usable password, but may still recover the account by e-mail.
        return [
            u
            for u in User.objects.filter(email__iexact=email, is_active=True)
            if u.has_usable_password() or u.must_change_password
        ]

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        from .tasks import password_reset_email

        password_reset_email.delay_on_commit(
            context["user"].pk, domain=context["domain"], protocol=context["protocol"], email=to_email
        )


class NewPasswordForm(SetPasswordForm):
    """Choose a new password (after a reset link, or after signing in with a temporary one)."""

    def save(self, commit=True):
        return services.user_password_set(user=self.user, password=self.cleaned_data["new_password1"])


class TemporaryPasswordForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("居民本人已当面或电话确认要重设密码"),
        error_messages={"required": _("请先与居民本人确认。")},
    )
    note = forms.CharField(
        label=_("备注（可选）"), max_length=300, required=False, help_text=_("例如：本人到社区办公室办理")
    )
