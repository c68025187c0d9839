"""The 五社联动 partner network: communities, social-work stations, social organisations, charity
funds (with donors) and community volunteers, organised under districts and townships."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """行政区 / 县 — e.g. 鄞州区."""

    name = models.CharField(_("名称"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("行政区")
        verbose_name_plural = _("行政区")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Township(models.Model):
    """乡镇 / 街道."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="townships", verbose_name=_("行政区"))
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("乡镇街道")
        verbose_name_plural = _("乡镇街道")
        ordering = ["district__name", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="township_unique_name")]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区 / 村: residents join one; organisers verify them."""

    class Kind(models.TextChoices):
        NEIGHBOURHOOD = "neighbourhood", _("社区")
        VILLAGE = "village", _("村")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="communities", verbose_name=_("乡镇街道")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.NEIGHBOURHOOD)
    description = models.TextField(_("简介"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["township__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="community_unique_name"),
            models.CheckConstraint(condition=Q(kind__in=["neighbourhood", "village"]), name="community_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class SocialWorkStation(models.Model):
    """乡镇(街道)社会工作站: belongs to a township and serves its communities."""

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="stations", verbose_name=_("乡镇街道")
    )
    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("简介"), blank=True)
    communities = models.ManyToManyField(Community, blank=True, related_name="stations", verbose_name=_("服务社区"))

    class Meta:
        verbose_name = _("社会工作站")
        verbose_name_plural = _("社会工作站")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SocialOrganisation(models.Model):
    """社会组织: a registered NGO or community group that takes part in campaigns."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("行政区")
    )
    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("简介"), blank=True)
    focus = models.CharField(_("服务领域"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CharityFund(models.Model):
    """慈善资源: a charity fund (e.g. a city charity base holding a corporate donor's fund)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    foundation = models.CharField(_("所属慈善组织"), max_length=100, blank=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("慈善基金")
        verbose_name_plural = _("慈善基金")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Donor(models.Model):
    """A named donor of a charity fund."""

    class Kind(models.TextChoices):
        CORPORATE = "corporate", _("企业")
        INDIVIDUAL = "individual", _("个人")
        GOVERNMENT = "government", _("政府")

    fund = models.ForeignKey(CharityFund, on_delete=models.CASCADE, related_name="donors", verbose_name=_("慈善基金"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.CORPORATE)

    class Meta:
        verbose_name = _("捐赠方")
        verbose_name_plural = _("捐赠方")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "name"], name="donor_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=["corporate", "individual", "government"]), name="donor_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerTeam(models.Model):
    """社区志愿者 team: a named group of volunteers, usually based in one community."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
        null=True,
        blank=True,
        verbose_name=_("社区"),
    )
    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("志愿者队伍")
        verbose_name_plural = _("志愿者队伍")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VolunteerProfile(models.Model):
    """A resident's volunteer profile: skills and when they are usually free."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile", verbose_name=_("用户")
    )
    team = models.ForeignKey(
        VolunteerTeam, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("队伍")
    )
    skills = models.CharField(_("技能"), max_length=200, blank=True, help_text=_("用逗号分隔，例如：园艺, 电工"))
    availability = models.CharField(_("空闲时间"), max_length=200, blank=True)
    is_public = models.BooleanField(_("公开显示"), default=True)

    class Meta:
        verbose_name = _("志愿者档案")
        verbose_name_plural = _("志愿者档案")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").split(",") if s.strip()]
