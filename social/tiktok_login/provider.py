"""allauth's TikTok provider, with its URLs and scopes taken from settings (see views.py)."""

from __future__ import annotations

from allauth.socialaccount.providers.tiktok.provider import TikTokAccount, TikTokProvider
from django.conf import settings

from social.tiktok_login.views import TikJoyTikTokOAuth2Adapter


class TikJoyTikTokProvider(TikTokProvider):
    id = "tiktok"
    name = "TikTok"
    account_class = TikTokAccount
    oauth2_adapter_class = TikJoyTikTokOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return list(settings.TIKTOK_SCOPES)

    def extract_common_fields(self, data):
        # TikTok gives no e-mail; the user's display name is theirs to show.
        return {"display_name": (data.get("display_name") or data.get("username") or "")[:150]}


provider_classes = [TikJoyTikTokProvider]
