from django.shortcuts import render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import pending_request_count
from network.selectors import community_list, network_summary

from .selectors import platform_health


def home(request):
    """首页: communities (with member counts) and the partner network; later sections are added
    by the apps built on them."""
    return render(
        request,
        "core/home.html",
        {
            "communities": community_list(),
            "summary": network_summary(),
            "pending_count": pending_request_count(user=request.user),
        },
    )


class HealthApi(APIView):
    """Whether the database, Redis, the Celery worker and beat are running."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {
                "database": serializers.BooleanField(),
                "redis": serializers.BooleanField(),
                "worker_last_heartbeat": serializers.DateTimeField(allow_null=True),
                "worker_heartbeats": serializers.IntegerField(),
                "worker_alive": serializers.BooleanField(),
            },
        )
    )
    def get(self, request):
        return Response(platform_health())
