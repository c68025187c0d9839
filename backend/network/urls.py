from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("communities/<int:pk>/join/", views.community_join, name="community_join"),
]
