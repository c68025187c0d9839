"""Only the routes the benchmark drives, so the measurement does not depend on unrelated pages."""

from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
]
