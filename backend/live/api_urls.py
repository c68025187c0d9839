from django.urls import path

from . import apis

urlpatterns = [
    path("live/topics/<str:topic>/", apis.TopicSnapshotApi.as_view(), name="api-live-topic"),
]
