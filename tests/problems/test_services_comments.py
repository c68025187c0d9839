from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from problems import services
from problems.models import Comment, CommentReport, Problem
from problems.selectors import comment_thread, moderation_queue

from .conftest import make_problem


def count(problem):
    return Problem.objects.get(pk=problem.pk).comment_count


def test_a_resident_comments_and_another_replies(problem, alice, bob):
    top = services.comment_create(author=alice, problem_id=problem.pk, body="滑梯要尽快修")
    reply = services.comment_create(author=bob, problem_id=problem.pk, body="同意", parent_id=top.pk)
    deeper = services.comment_create(author=alice, problem_id=problem.pk, body="谢谢", parent_id=reply.pk)
    assert count(problem) == 3
    thread = comment_thread(problem=problem)
    assert thread == [top]
    assert thread[0].thread_replies == [reply]
    assert thread[0].thread_replies[0].thread_replies == [deeper]


def test_a_reply_must_belong_to_the_same_problem(problem, alice, world):
    other = make_problem(alice, world.a, title="另一个问题")
    elsewhere = services.comment_create(author=alice, problem_id=other.pk, body="别处的评论")
    with pytest.raises(ApplicationError) as exc:
        services.comment_create(author=alice, problem_id=problem.pk, body="回复", parent_id=elsewhere.pk)
    assert "parent" in exc.value.fields
    assert count(problem) == 0


def test_empty_and_overlong_comments_are_refused(problem, alice):
    for body in ("   ", "字" * 2001):
        with pytest.raises(ApplicationError) as exc:
            services.comment_create(author=alice, problem_id=problem.pk, body=body)
        assert "body" in exc.value.fields
    assert not Comment.objects.exists()


def test_only_verified_members_of_the_community_comment(problem, oscar, bea, charlie):
    for person in (oscar, bea, charlie):
        with pytest.raises(PermissionDenied):
            services.comment_create(author=person, problem_id=problem.pk, body="路过")
    with pytest.raises(NotFound):
        services.comment_create(author=oscar, problem_id=problem.pk + 999, body="路过")


def test_the_author_edits_within_the_window(problem, alice, bob, settings):
    settings.PROBLEMS_COMMENT_EDIT_MINUTES = 15
    comment = services.comment_create(author=alice, problem_id=problem.pk, body="初稿")
    edited = services.comment_edit(actor=alice, comment_id=comment.pk, body="修改后")
    assert edited.body == "修改后"
    assert edited.edited_at is not None
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=bob, comment_id=comment.pk, body="别人的")

    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    with pytest.raises(Conflict) as exc:
        services.comment_edit(actor=alice, comment_id=comment.pk, body="太晚了")
    assert exc.value.code == "edit_window_closed"
    assert Comment.objects.get(pk=comment.pk).body == "修改后"


def test_soft_delete_keeps_the_row_and_the_replies(problem, alice, bob):
    top = services.comment_create(author=alice, problem_id=problem.pk, body="原话")
    reply = services.comment_create(author=bob, problem_id=problem.pk, body="回复", parent_id=top.pk)
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=bob, comment_id=top.pk)
    services.comment_delete(actor=alice, comment_id=top.pk)
    top.refresh_from_db()
    assert top.deleted_at is not None
    assert count(problem) == 1
    assert comment_thread(problem=problem)[0].thread_replies == [reply]
    with pytest.raises(Conflict):
        services.comment_delete(actor=alice, comment_id=top.pk)
    with pytest.raises(Conflict):
        services.comment_create(author=bob, problem_id=problem.pk, body="回复已删除的", parent_id=top.pk)
    with pytest.raises(Conflict):
        services.comment_edit(actor=alice, comment_id=top.pk, body="复活")


def test_residents_report_once_and_not_their_own(problem, alice, bob, bea):
    comment = services.comment_create(author=alice, problem_id=problem.pk, body="广告")
    services.comment_report(reporter=bob, comment_id=comment.pk, reason="与问题无关")
    with pytest.raises(Conflict):
        services.comment_report(reporter=bob, comment_id=comment.pk, reason="再举报")
    with pytest.raises(ApplicationError):
        services.comment_report(reporter=alice, comment_id=comment.pk, reason="自己")
    with pytest.raises(PermissionDenied):
        services.comment_report(reporter=bea, comment_id=comment.pk, reason="外社区")
    with pytest.raises(ApplicationError):
        services.comment_report(reporter=bob, comment_id=comment.pk, reason=" ")
    assert Comment.objects.get(pk=comment.pk).open_report_count == 1
    assert CommentReport.objects.count() == 1


def test_organisers_of_the_community_hide_with_a_reason(problem, alice, bob, olivia, oscar):
    comment = services.comment_create(author=alice, problem_id=problem.pk, body="骂人的话")
    services.comment_report(reporter=bob, comment_id=comment.pk, reason="人身攻击")
    assert list(moderation_queue(user=olivia)) == [comment]
    assert list(moderation_queue(user=oscar)) == []

    for person in (bob, oscar):
        with pytest.raises(PermissionDenied):
            services.comment_hide(actor=person, comment_id=comment.pk, reason="不文明")
    with pytest.raises(ApplicationError):
        services.comment_hide(actor=olivia, comment_id=comment.pk, reason="")

    services.comment_hide(actor=olivia, comment_id=comment.pk, reason="含人身攻击")
    comment.refresh_from_db()
    assert (comment.hidden_by, comment.hidden_reason, comment.open_report_count) == (olivia, "含人身攻击", 0)
    assert CommentReport.objects.filter(resolved_at__isnull=True).count() == 0
    assert count(problem) == 0
    assert list(moderation_queue(user=olivia)) == []
    with pytest.raises(Conflict):
        services.comment_hide(actor=olivia, comment_id=comment.pk, reason="再隐藏")
    # Deleting a hidden comment does not count it away twice.
    services.comment_delete(actor=alice, comment_id=comment.pk)
    assert count(problem) == 0


def test_organisers_keep_a_reported_comment(problem, alice, bob, olivia, oscar):
    comment = services.comment_create(author=alice, problem_id=problem.pk, body="正常意见")
    services.comment_report(reporter=bob, comment_id=comment.pk, reason="看不惯")
    with pytest.raises(PermissionDenied):
        services.comment_reports_dismiss(actor=oscar, comment_id=comment.pk)
    services.comment_reports_dismiss(actor=olivia, comment_id=comment.pk)
    assert list(moderation_queue(user=olivia)) == []
    assert Comment.objects.get(pk=comment.pk).is_visible
    with pytest.raises(Conflict):
        services.comment_reports_dismiss(actor=olivia, comment_id=comment.pk)


def test_comment_events_carry_the_absolute_count(problem, alice, published):
    services.comment_create(author=alice, problem_id=problem.pk, body="一")
    c = services.comment_create(author=alice, problem_id=problem.pk, body="二")
    services.comment_delete(actor=alice, comment_id=c.pk)
    events = [(kind, p["count"]) for t, kind, p in published if t == f"problem.{problem.pk}"]
    assert events == [("comment", 1), ("comment", 2), ("comment_removed", 1)]
