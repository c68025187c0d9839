from django.shortcuts import render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from network.selectors import community_list

from .selectors import platform_health


def home(request):
    """首页: communities and what is happening in them."""
    return render(request, "core/home.html", {"communities": community_list()})


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
