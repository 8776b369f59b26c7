from django.urls import path

from sandbox import stripe as stripe_fake
from sandbox import tiktok_ads
from sandbox import views as sandbox

app_name = "sandbox"

urlpatterns = [
    path("tiktok/v2/auth/authorize/", sandbox.tiktok_authorize, name="tiktok_authorize"),
    path("tiktok/open-api/v2/oauth/token/", sandbox.tiktok_token, name="tiktok_token"),
    path("tiktok/open-api/v2/oauth/revoke/", sandbox.tiktok_revoke, name="tiktok_revoke"),
    path("tiktok/open-api/v2/user/info/", sandbox.tiktok_user_info, name="tiktok_user_info"),
    path("tiktok/open-api/v2/video/list/", sandbox.tiktok_video_list, name="tiktok_video_list"),
    path("tiktok/open-api/v2/video/query/", sandbox.tiktok_video_query, name="tiktok_video_query"),
    path("tiktok/studio/", sandbox.tiktok_studio, name="tiktok_studio"),
    path(
        "whatsapp/v21.0/<str:phone_number_id>/messages",
        sandbox.whatsapp_messages,
        name="whatsapp_messages",
    ),
    path("whatsapp/inbox/", sandbox.whatsapp_inbox, name="whatsapp_inbox"),
    path("stripe/v1/checkout/sessions", stripe_fake.checkout_sessions, name="stripe_checkout_sessions"),
    path(
        "stripe/v1/checkout/sessions/<str:session_id>/expire",
        stripe_fake.checkout_session_expire,
        name="stripe_checkout_session_expire",
    ),
    path("stripe/v1/payment_intents", stripe_fake.payment_intents, name="stripe_payment_intents"),
    path(
        "stripe/v1/payment_intents/<str:intent_id>", stripe_fake.payment_intent, name="stripe_payment_intent"
    ),
    path("stripe/v1/refunds", stripe_fake.refunds, name="stripe_refunds"),
    path(
        "stripe/v1/payment_methods/<str:method_id>/detach",
        stripe_fake.payment_method_detach,
        name="stripe_payment_method_detach",
    ),
    path("stripe/pay/<str:session_id>/", stripe_fake.pay, name="stripe_pay"),
    path("tiktok-ads/open_api/v1.3/campaign/create/", tiktok_ads.campaign_create, name="tiktok_ads_campaign"),
    path("tiktok-ads/open_api/v1.3/adgroup/create/", tiktok_ads.adgroup_create, name="tiktok_ads_adgroup"),
    path("tiktok-ads/open_api/v1.3/ad/create/", tiktok_ads.ad_create, name="tiktok_ads_ad"),
    path("tiktok-ads/open_api/v1.3/report/integrated/get/", tiktok_ads.report, name="tiktok_ads_report"),
]
