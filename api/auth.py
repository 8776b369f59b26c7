"""``Authorization: Bearer tj_...``: the merchant's API key authenticates the request."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from api.models import ApiKey, Scope
from api.problems import ApiProblem
from api.services import api_key_authenticate
from core.http import client_ip_get


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``request.auth`` is the ``ApiKey``; ``request.user`` its creator (the actor of its writes)."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise exceptions.AuthenticationFailed(gettext("Send the key as 'Authorization: Bearer tj_...'."))
        # counted against the key's rate limit in the round trip that confirms the key (ApiView.check_throttles)
        key = api_key_authenticate(raw=raw.strip(), now=timezone.now(), count=True, ip=client_ip_get(request))
        if key is None:
            raise exceptions.AuthenticationFailed(gettext("This key is unknown, revoked or expired."))
        return (key.created_by or AnonymousUser(), key)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class KeyScope(permissions.BasePermission):
    """The view's ``required_scope`` (read by default; write for changes) against the key's scope."""

    message = gettext_lazy("This key's scope does not allow this request.")

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.NotAuthenticated(gettext("Send an API key: 'Authorization: Bearer tj_...'."))
        needed = getattr(view, "required_scopes", {}).get(request.method, Scope.READ)
        if not key.allows(needed):
            return False
        if needed == Scope.WRITE and key.merchant.closed_at is not None:
            # A closed merchant's team only reads (docs/privacy.md): so do its keys.
            raise ApiProblem(
                gettext("%(brand)s is closed: its data can be read through the API, not changed.")
                % {"brand": key.merchant.brand_name},
                status=403,
                code="merchant_closed",
            )
        return True


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A secret key (tj_live_..., tj_test_...) or, for public reads, a publishable key (tj_pk_...).",
        }
