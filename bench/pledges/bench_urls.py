"""The product's URLs plus one baseline: a DRF endpoint that inserts one row through the ORM,
behind the same middleware, authentication and server. Bench-only; never in the product urls."""

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification
from config.urls import urlpatterns as product_urlpatterns


class MinimalInsertApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        row = Notification.objects.create(user=request.user, kind="bench", title="bench")
        return Response({"id": row.pk}, status=201)


urlpatterns = [path("bench/minimal/", MinimalInsertApi.as_view()), *product_urlpatterns]
