from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from merchants.console_site import console_site
from social import views as social_views
from tikjoy import views

# A database that can't be reached is a 503 page, not a 500 (tikjoy.views.server_error).
handler500 = "tikjoy.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The consumer pages served most are tried first (resolving a path walks the list: about 30
    # microseconds from the end); none of their patterns matches another app's path.
    path("", include("rewards.brand_urls")),  # /b/<slug>/: the brand page, join, claim, withdraw
    path("", include("rewards.urls")),  # /wallet/, /wallet/summary.json
    path("ops/diagnostics/", admin.site.admin_view(views.ops_diagnostics), name="ops_diagnostics"),
    path("ops/", admin.site.urls),
    path("console/", console_site.urls),
    path("", include("merchants.urls")),
    path("", include("campaigns.urls")),
    # allauth's page for a WhatsApp sign-in code, whose last wrong code leads back to the number step:
    # it takes the place of allauth's own (the same path and name, tried first).
    path(
        "accounts/login/code/confirm/",
        social_views.WhatsAppCodeConfirmView.as_view(),
        name="account_confirm_login_code",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),  # /i18n/language/: the footer's language switcher
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include("api.urls")),  # /api/v1/..., /api/docs/
    path("embed/", include("api.embed_urls")),  # the website widget
    path("", include("privacy.urls")),  # /me/delete/
    path("", include("social.urls")),  # /me/, /accounts/whatsapp/, /webhooks/...
    path("", include("cards.urls")),  # /stripe/webhook/: card payments
    path("", include("subscriptions.urls")),  # /wallet/subscriptions/: JoyPlus, JoyFast
    path("", include("payouts.urls")),  # /wallet/payouts/...
    path("", include("promote.urls")),  # /promote/: coins, orders, analytics
    path("", include("billing.urls")),  # /billing/invoices/: a consumer's coin purchase invoices
    path("", include("affiliates.urls")),
    path("", include("support.urls")),  # /help/, /support/: Help pages and support requests
    path("", include("chats.urls")),  # /me/whatsapp/offers/  # /r/<code>, /affiliates/...
]

if settings.SOCIAL_SANDBOX:  # the fakes of TikTok and WhatsApp (the sandbox app is installed only then)
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
