"""Pages for problems: list, detail with the discussion, raising a problem, and the organiser's
moderation and voting pages. Each view calls one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_verified_member, roles_of
from core.errors import ApplicationError
from core.forms import apply_error
from network.models import Community

from . import selectors, services
from .forms import CommentEditForm, CommentForm, MoveForm, ProblemForm, ReasonForm, SettingsForm, TagForm, VoteForm
from .models import Comment, Problem

PAGE_SIZE = 20


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def problem_list(request, community_id: int | None = None):
    """社区问题: every community's problems, or one community's, filtered and sorted."""
    community = get_object_or_404(Community, pk=community_id) if community_id else None
    chosen = community.pk if community else _int(request.GET.get("community"))
    params = {
        "status": request.GET.get("status", "") if request.GET.get("status") in Problem.Status.values else "",
        "category": request.GET.get("category", "") if request.GET.get("category") in Problem.Category.values else "",
        "tag_id": _int(request.GET.get("tag")),
        "q": request.GET.get("q", "").strip()[:100],
        "sort": request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "newest",
    }
    qs = selectors.problem_list(community_ids=[chosen] if chosen else None, **params)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    viewer = selectors.viewer_state(user=request.user, problem_ids=[p.pk for p in page])
    query = request.GET.copy()
    query.pop("page", None)
    may_raise = bool(request.user.is_authenticated and roles_of(request.user).verified_communities)
    return render(
        request,
        "problems/list.html",
        {
            "community": community,
            "page": page,
            "viewer": viewer,
            "filters": {**params, "community": chosen},
            "communities": Community.objects.order_by("township__name", "name").only("pk", "name"),
            "statuses": Problem.Status.choices,
            "categories": Problem.Category.choices,
            "tags": selectors.tags_for(community_id=chosen),
            "sorts": [("newest", _("最新")), ("endorsed", _("关心最多")), ("discussed", _("讨论最多"))],
            "query": query.urlencode(),
            "may_raise": may_raise,
            "may_manage": bool(chosen and selectors.may_manage(user=request.user, community_id=chosen)),
        },
    )


@login_required
def problem_new(request):
    """提出问题: a verified resident describes a problem in one of their communities."""
    mine = sorted(roles_of(request.user).verified_communities)
    if not mine:
        messages.info(request, _("认证成为社区居民后就可以提出问题。请先在社区页面申请加入。"))
        return redirect("core:home")
    community_id = _int(request.GET.get("community") or request.POST.get("community"))
    if community_id not in mine and len(mine) == 1:
        community_id = mine[0]
    if community_id is None or community_id not in mine:
        return render(request, "problems/choose_community.html", {"communities": Community.objects.filter(pk__in=mine)})
    community = get_object_or_404(Community, pk=community_id)
    tags = list(selectors.tags_for(community_id=community.pk))
    form = ProblemForm(request.POST or None, request.FILES or None, tags=tags)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = services.problem_create(
                author=request.user,
                community_id=community.pk,
                title=data["title"],
                description=data["description"],
                category=data["category"],
                tag_ids=data["tags"],
                place=data["place"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                photos=request.FILES.getlist("photos"),
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("问题已提出。邻居们可以在这里讨论，并点“我也关心”支持它。"))
            return redirect("problems:detail", problem_id=problem.pk)
    return render(request, "problems/new.html", {"form": form, "community": community})


def problem_detail(request, problem_id: int):
    problem = selectors.problem_detail(problem_id=problem_id)
    if problem is None:
        raise Http404
    user = request.user
    viewer = selectors.viewer_state(user=user, problem_ids=[problem.pk])
    may_manage = selectors.may_manage(user=user, community_id=problem.community_id)
    targets = sorted(
        t for t in services.TRANSITIONS[problem.status] if t not in (Problem.Status.VOTING, Problem.Status.SOLVING)
    )
    return render(
        request,
        "problems/detail.html",
        {
            "problem": problem,
            "comments": selectors.comment_thread(problem=problem),
            "endorsed": problem.pk in viewer.endorsed,
            "following": problem.pk in viewer.followed,
            "may_discuss": user.is_authenticated and is_verified_member(user, problem.community_id),
            "may_manage": may_manage,
            "open_for_endorsement": problem.status in services.OPEN_STATUSES,
            "comment_form": CommentForm(),
            "move_form": MoveForm(targets=targets) if may_manage and targets else None,
            "may_put_to_vote": may_manage and problem.status == Problem.Status.DISCUSSING,
            "vote_outcome": selectors.vote_outcomes(problems=[problem]).get(problem.pk),
        },
    )


@login_required
@require_POST
def problem_endorse(request, problem_id: int):
    try:
        if request.POST.get("action") == "remove":
            services.endorsement_remove(user=request.user, problem_id=problem_id)
            messages.success(request, _("已取消关心。"))
        else:
            count = services.endorsement_add(user=request.user, problem_id=problem_id)
            messages.success(request, _("谢谢！已有 %(n)s 位邻居关心这个问题。") % {"n": count})
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("problems:detail", problem_id=problem_id)


@login_required
@require_POST
def problem_follow(request, problem_id: int):
    try:
        if request.POST.get("action") == "remove":
            services.follow_remove(user=request.user, problem_id=problem_id)
            messages.success(request, _("已取消关注。"))
        else:
            services.follow_add(user=request.user, problem_id=problem_id)
            messages.success(request, _("已关注。问题有进展时您会收到通知。"))
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("problems:detail", problem_id=problem_id)


@login_required
@require_POST
def problem_move(request, problem_id: int):
    form = MoveForm(request.POST, targets=[s for s, _label in Problem.Status.choices])
    if not form.is_valid():
        messages.error(request, _("请选择新的状态。"))
        return redirect("problems:detail", problem_id=problem_id)
    try:
        problem = services.problem_move(actor=request.user, problem_id=problem_id, **form.cleaned_data)
        messages.success(request, _("状态已改为“%(status)s”。") % {"status": problem.get_status_display()})
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("problems:detail", problem_id=problem_id)


@login_required
@require_POST
def comment_create(request, problem_id: int):
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写评论内容（不超过 2000 字）。"))
        return redirect("problems:detail", problem_id=problem_id)
    try:
        comment = services.comment_create(
            author=request.user,
            problem_id=problem_id,
            body=form.cleaned_data["body"],
            parent_id=form.cleaned_data["parent"],
        )
    except ApplicationError as exc:
        apply_error(request, None, exc)
        return redirect("problems:detail", problem_id=problem_id)
    return redirect(reverse("problems:detail", args=[problem_id]) + f"#comment-{comment.pk}")


@login_required
def comment_edit(request, comment_id: int):
    comment = get_object_or_404(Comment.objects.select_related("problem"), pk=comment_id)
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(actor=request.user, comment_id=comment_id, body=form.cleaned_data["body"])
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("评论已修改。"))
            return redirect(reverse("problems:detail", args=[comment.problem_id]) + f"#comment-{comment.pk}")
    return render(request, "problems/comment_edit.html", {"form": form, "comment": comment})


@login_required
@require_POST
def comment_delete(request, comment_id: int):
    comment = get_object_or_404(Comment, pk=comment_id)
    try:
        services.comment_delete(actor=request.user, comment_id=comment_id)
        messages.success(request, _("评论已删除。"))
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("problems:detail", problem_id=comment.problem_id)


@login_required
@require_POST
def comment_report(request, comment_id: int):
    comment = get_object_or_404(Comment, pk=comment_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明举报原因。"))
    else:
        try:
            services.comment_report(reporter=request.user, comment_id=comment_id, reason=form.cleaned_data["reason"])
            messages.success(request, _("已举报，社区工作者会尽快处理。"))
        except ApplicationError as exc:
            apply_error(request, None, exc)
    return redirect("problems:detail", problem_id=comment.problem_id)


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else fallback


@login_required
@require_POST
def comment_hide(request, comment_id: int):
    comment = get_object_or_404(Comment, pk=comment_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("隐藏评论时请写明原因。"))
    else:
        try:
            services.comment_hide(actor=request.user, comment_id=comment_id, reason=form.cleaned_data["reason"])
            messages.success(request, _("评论已隐藏。"))
        except ApplicationError as exc:
            apply_error(request, None, exc)
    return redirect(_back(request, reverse("problems:detail", args=[comment.problem_id])))


@login_required
@require_POST
def comment_dismiss(request, comment_id: int):
    try:
        services.comment_reports_dismiss(actor=request.user, comment_id=comment_id)
        messages.success(request, _("已保留评论，举报已处理。"))
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect(_back(request, reverse("problems:moderation")))


@login_required
def moderation(request):
    """社区工作者: reported comments, problems that reached the threshold, settings and tags."""
    community_ids = selectors.managed_communities(user=request.user)
    if not community_ids and not request.user.is_superuser:
        messages.error(request, _("只有社区工作者可以处理问题和评论。"))
        return redirect("problems:list")
    communities = list(Community.objects.filter(pk__in=community_ids))
    return render(
        request,
        "problems/moderation.html",
        {
            "reported": selectors.moderation_queue(user=request.user),
            "flagged": selectors.flagged_problems(user=request.user),
            "awaiting": selectors.awaiting_decision(user=request.user),
            "communities": [
                {
                    "community": c,
                    "settings_form": SettingsForm(initial=_settings_initial(c.pk)),
                    "threshold_now": services.endorsement_threshold(community_id=c.pk),
                    "tags": selectors.tags_for(community_id=c.pk).filter(community=c),
                    "tag_form": TagForm(),
                }
                for c in communities
            ],
        },
    )


def _settings_initial(community_id: int) -> dict:
    from .models import ProblemSettings

    cfg = ProblemSettings.objects.filter(community_id=community_id).first()
    if cfg is None:
        return {"threshold_kind": ProblemSettings.ThresholdKind.COUNT, "threshold_value": services.DEFAULT_THRESHOLD}
    return {"threshold_kind": cfg.threshold_kind, "threshold_value": cfg.threshold_value}


@login_required
@require_POST
def settings_update(request, community_id: int):
    form = SettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的门槛。"))
    else:
        try:
            services.problem_settings_update(actor=request.user, community_id=community_id, **form.cleaned_data)
            messages.success(request, _("关注门槛已更新。"))
        except ApplicationError as exc:
            apply_error(request, None, exc)
    return redirect("problems:moderation")


@login_required
@require_POST
def tag_create(request, community_id: int):
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("标签名称为 1 到 20 个字。"))
    else:
        try:
            tag = services.tag_create(actor=request.user, community_id=community_id, name=form.cleaned_data["name"])
            messages.success(request, _("已添加标签“%(name)s”。") % {"name": tag.name})
        except ApplicationError as exc:
            apply_error(request, None, exc)
    return redirect("problems:moderation")


@login_required
def put_to_vote(request, community_id: int):
    """发起投票: an organiser puts problems in discussion to a vote of the community."""
    community = get_object_or_404(Community, pk=community_id)
    if not selectors.may_manage(user=request.user, community_id=community.pk):
        messages.error(request, _("只有本社区的社区工作者可以发起投票。"))
        return redirect("problems:community", community_id=community.pk)
    problems = list(selectors.discussing_problems(community_id=community.pk))
    initial = {"problem_ids": [_int(request.GET.get("problem"))]} if request.GET.get("problem") else None
    form = VoteForm(request.POST or None, problems=problems, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ballot = services.problems_put_to_vote(actor=request.user, community_id=community.pk, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("投票已创建，所选问题进入“投票中”。"))
            return redirect(f"/ballots/{ballot.pk}/")
    return render(
        request,
        "problems/vote.html",
        {
            "form": form,
            "community": community,
            "problems": problems,
            "voting_ready": bool(form["method"].field.choices),
        },
    )
