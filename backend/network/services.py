"""Writes of the partner network that people make themselves. Partners (communities, stations,
organisations, funds, teams) are onboarded by the platform admin in Django admin."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import permissions
from core.errors import ApplicationError, Conflict, NotAuthenticated, NotFound

from .models import VolunteerProfile, VolunteerTeam

SKILLS_MAX = VolunteerProfile._meta.get_field("skills").max_length
AVAILABILITY_MAX = VolunteerProfile._meta.get_field("availability").max_length


def volunteer_profile_save(
    *,
    user: Any,
    skills: str = "",
    availability: str = "",
    team_id: int | None = None,
    is_public: bool = True,
) -> VolunteerProfile:
    """Create or replace the person's volunteer profile (志愿者档案).

    Joining a community's team needs verified membership of that community (rule
    `volunteer_team.join`). Skills are normalised to "a, b, c" so they read the same everywhere.
    """
    if user is None or not user.is_authenticated:
        raise NotAuthenticated(_("请先登录。"))
    skills_list = [s.strip() for s in (skills or "").replace("，", ",").replace("、", ",").split(",") if s.strip()]
    normalised = ", ".join(dict.fromkeys(skills_list))
    errors: dict[str, list[str]] = {}
    if len(normalised) > SKILLS_MAX:
        errors["skills"] = [_("技能最多 %(n)d 个字。") % {"n": SKILLS_MAX}]
    availability = (availability or "").strip()
    if len(availability) > AVAILABILITY_MAX:
        errors["availability"] = [_("空闲时间最多 %(n)d 个字。") % {"n": AVAILABILITY_MAX}]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    team = None
    if team_id is not None:
        team = VolunteerTeam.objects.filter(pk=team_id).first()
        if team is None:
            raise NotFound(_("找不到这支志愿者队伍。"), fields={"team": [_("找不到这支志愿者队伍。")]})
        permissions.require(user, "volunteer_team.join", team, _("只有该社区的认证居民可以加入这支志愿者队伍。"))
    defaults = {"skills": normalised, "availability": availability, "team": team, "is_public": bool(is_public)}
    try:
        with transaction.atomic():
            profile, _created = VolunteerProfile.objects.update_or_create(user=user, defaults=defaults)
    except IntegrityError as exc:  # two first saves at once
        raise Conflict(_("档案正在被另一个请求保存，请刷新后重试。")) from exc
    return profile
