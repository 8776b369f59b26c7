"""OAuth views for TikTok whose authorize, token and API URLs come from settings.

TIKTOK_AUTH_URL and TIKTOK_API_BASE_URL default to TikTok's real URLs, or to
the sandbox this project serves when SOCIAL_BACKEND=sandbox; tests point them
at a local server.
"""

from __future__ import annotations

from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.tiktok.views import TikTokOAuth2Adapter
from django.conf import settings
from requests import RequestException

from social.tiktok import TikTokClient, TikTokError, user_fields_for_scopes


class TikJoyTikTokOAuth2Adapter(TikTokOAuth2Adapter):
    provider_id = "tiktok"

    @property
    def authorize_url(self) -> str:  # type: ignore[override]
        return settings.TIKTOK_AUTH_URL

    @property
    def access_token_url(self) -> str:  # type: ignore[override]
        return settings.TIKTOK_API_BASE_URL + "/v2/oauth/token/"

    @property
    def profile_url(self) -> str:  # type: ignore[override]
        return settings.TIKTOK_API_BASE_URL + "/v2/user/info/"

    def complete_login(self, request, app, token, **kwargs):
        # Ask only for what the person granted: TikTok lets them untick scopes.
        fields = user_fields_for_scopes((kwargs.get("response") or {}).get("scope", ""))
        try:
            user = TikTokClient(client_key=app.client_id, client_secret=app.secret).user_info(
                access_token=token.token, fields=fields
            )
        except (TikTokError, RequestException) as exc:
            raise ProviderException(
                f"TikTok user/info failed: {getattr(exc, 'code', type(exc).__name__)}"
            ) from exc
        if not user.get("open_id"):
            raise ProviderException("TikTok user/info returned no open_id")
        return self.get_provider().sociallogin_from_response(request, user)


oauth2_login = OAuth2LoginView.adapter_view(TikJoyTikTokOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(TikJoyTikTokOAuth2Adapter)
