from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from social.tiktok_login.provider import TikJoyTikTokProvider

urlpatterns = default_urlpatterns(TikJoyTikTokProvider)
