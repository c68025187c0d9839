"""HTTP read of a live topic's current state: the same snapshot a websocket subscriber gets, for
clients that cannot keep a socket open (they poll and compare `seq`). Writes stay with the
domain apps' own endpoints."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses

from . import selectors


class TopicSnapshotApi(APIView):
    permission_classes = [AllowAny]  # the topic's own rule decides, per object

    class OutputSerializer(serializers.Serializer):
        type = serializers.CharField(help_text='Always "snapshot".')
        topic = serializers.CharField(help_text="`<kind>.<id>`, e.g. `campaign.12`.")
        seq = serializers.IntegerField(help_text="The last sequence number the state includes.")
        epoch = serializers.CharField(help_text="Changes when the server's counters restart.")
        state = serializers.DictField(help_text="The topic's state, as its kind defines it.")

    @extend_schema(
        summary="Current state of a live topic",
        description="Subscription rules apply: private topics (a person's notifications) only to "
        "their owner. Answers 503 while the live store (Redis) is unreachable.",
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 503)},
        examples=[
            OpenApiExample(
                "user",
                value={"type": "snapshot", "topic": "user.5", "seq": 12, "epoch": "9f1c2a0b", "state": {"unread": 2}},
                response_only=True,
            )
        ],
    )
    def get(self, request, topic: str):
        return Response(self.OutputSerializer(selectors.topic_snapshot(user=request.user, topic=topic)).data)
