"""API plumbing shared by every app: one error shape, pagination, schema helpers."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ErrorSerializer(serializers.Serializer):
    """Every 4xx from the API has this shape."""

    detail = serializers.CharField(help_text="A readable, translated message.")
    code = serializers.CharField(help_text="A stable machine code, e.g. not_found, permission_denied.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages for invalid input.",
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error statuses an endpoint can answer with."""
    descriptions = {
        400: "Invalid input",
        401: "Not logged in",
        403: "Not allowed",
        404: "Not found",
        409: "Conflicts with the current state",
        429: "Too many requests",
    }
    return {s: OpenApiResponse(ErrorSerializer, description=descriptions.get(s, "Error")) for s in statuses}


def _body(detail: Any, code: str, fields: dict | None = None) -> dict:
    body: dict[str, Any] = {"detail": str(detail), "code": code}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        fields = {k: [str(m) for m in (v if isinstance(v, list | tuple) else [v])] for k, v in exc.fields.items()}
        response = Response(_body(exc.message, exc.code, fields), status=exc.status)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Token realm="api"'
        return response
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(
                _body(
                    _("请检查填写的内容。"), "invalid", {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
                ),
                status=400,
            )
        return Response(_body(" ".join(str(m) for m in exc.messages), "invalid"), status=400)
    if isinstance(exc, Http404):
        return Response(_body(_("找不到这个对象。"), "not_found"), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(_body(_("您没有权限执行此操作。"), "permission_denied"), status=403)
    if isinstance(exc, IntegrityError):
        # A constraint caught a race the service's own check could not see (two requests at
        # once). The transaction was rolled back, so nothing half-written remains.
        logger.info("integrity error mapped to 409: %s", exc)
        return Response(_body(_("操作与当前数据冲突，请刷新后重试。"), "conflict"), status=409)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        if isinstance(data, dict):
            fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in data.items()}
            non_field = fields.pop("non_field_errors", None)
            detail = " ".join(non_field) if non_field else _("请检查填写的内容。")
            response.data = _body(detail, "invalid", fields)
        else:
            msgs = data if isinstance(data, list) else [data]
            response.data = _body(" ".join(str(m) for m in msgs), "invalid")
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail if not isinstance(exc.detail, dict | list) else exc.default_detail
        response.data = _body(detail, getattr(exc, "default_code", "error") or "error")
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response.data["code"] = "not_authenticated"
            # DRF answers 403 when the first authenticator is the session one (it has no
            # WWW-Authenticate scheme); API clients need 401 to know that signing in will help.
            response.status_code = 401
            response["WWW-Authenticate"] = 'Token realm="api"'
        elif isinstance(exc, exceptions.PermissionDenied):
            response.data["code"] = "permission_denied"
        elif isinstance(exc, exceptions.NotFound):
            response.data["code"] = "not_found"
    return response
