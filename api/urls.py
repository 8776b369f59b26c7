from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("v1/campaigns", views.CampaignList.as_view(), name="campaigns"),
    path("v1/campaigns/<str:id>", views.CampaignDetail.as_view(), name="campaign"),
    path("v1/campaigns/<str:id>/activate", views.CampaignActivate.as_view(), name="campaign-activate"),
    path("v1/campaigns/<str:id>/pause", views.CampaignPause.as_view(), name="campaign-pause"),
    path("v1/rewards", views.RewardList.as_view(), name="rewards"),
    path("v1/rewards/<str:id>", views.RewardDetail.as_view(), name="reward"),
    path("v1/rewards/<str:id>/reverse", views.RewardReverse.as_view(), name="reward-reverse"),
    path("v1/consumers", views.ConsumerList.as_view(), name="consumers"),
    path("v1/wallet", views.Wallet.as_view(), name="wallet"),
    path("v1/wallet/transactions", views.WalletHistory.as_view(), name="wallet-transactions"),
    path("v1/wallet/top-up", views.TopUp.as_view(), name="top-up"),
    path("v1/webhook-endpoints", views.EndpointList.as_view(), name="endpoints"),
    path("v1/webhook-endpoints/<str:id>", views.EndpointDetail.as_view(), name="endpoint"),
    path("v1/offer", views.Offer.as_view(), name="offer"),
    # Swagger UI from our own static files (drf-spectacular-sidecar); its script is a file, not inline (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="docs"),
]
