from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# No two apps share a route, so the order only decides how many patterns a request is tried
# against: campaigns (pledges, the surge on matching days) first.
api_patterns = [
    path("", include("campaigns.api_urls")),
    path("", include("core.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("network.api_urls")),
    path("", include("live.api_urls")),
    path("", include("problems.api_urls")),
    path("", include("voting.api_urls")),
    path("", include("funding.api_urls")),
    path("", include("review.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include(api_patterns)),
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("network.urls")),
    path("", include("problems.urls")),
    path("", include("voting.urls")),
    path("", include("campaigns.urls")),
    path("", include("funding.urls")),
    path("", include("review.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
