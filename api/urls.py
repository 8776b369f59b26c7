from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from api import documents, views

app_name = "api"

urlpatterns = [
    path("v1/campaigns", views.CampaignList.as_view(), name="campaigns"),
    path("v1/campaigns/<str:id>", views.CampaignDetail.as_view(), name="campaign"),
    path("v1/campaigns/<str:id>/activate", views.CampaignActivate.as_view(), name="campaign-activate"),
    path("v1/campaigns/<str:id>/pause", views.CampaignPause.as_view(), name="campaign-pause"),
    path("v1/rewards", views.RewardList.as_view(), name="rewards"),
    path("v1/rewards/<str:id>", views.RewardDetail.as_view(), name="reward"),
    path("v1/rewards/<str:id>/reverse", views.RewardReverse.as_view(), name="reward-reverse"),
    path("v1/actions", views.ActionReport.as_view(), name="actions"),
    path("v1/actions/<str:id>", views.ActionDetail.as_view(), name="action"),
    path("v1/consumers", views.ConsumerList.as_view(), name="consumers"),
    path("v1/wallet", views.Wallet.as_view(), name="wallet"),
    path("v1/wallet/transactions", views.WalletHistory.as_view(), name="wallet-transactions"),
    path("v1/wallet/top-up", views.TopUp.as_view(), name="top-up"),
    path("v1/webhook-endpoints", views.EndpointList.as_view(), name="endpoints"),
    path("v1/webhook-endpoints/<str:id>", views.EndpointDetail.as_view(), name="endpoint"),
    path("v1/offer", views.Offer.as_view(), name="offer"),
    path("v1/statements", documents.StatementList.as_view(), name="statements"),
    path("v1/statements/<str:id>", documents.StatementDetail.as_view(), name="statement"),
    path("v1/statements/<str:id>/pdf", documents.StatementPdf.as_view(), name="statement-pdf"),
    path("v1/statements/<str:id>/csv", documents.StatementCsv.as_view(), name="statement-csv"),
    path("v1/invoices", documents.InvoiceList.as_view(), name="invoices"),
    path("v1/invoices/<str:id>", documents.InvoiceDetail.as_view(), name="invoice"),
    path("v1/invoices/<str:id>/pdf", documents.InvoicePdf.as_view(), name="invoice-pdf"),
    path("v1/invoices/<str:id>/xml", documents.InvoiceXml.as_view(), name="invoice-xml"),
    # Swagger UI from our own static files (drf-spectacular-sidecar); its script is a file, not inline (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="docs"),
]
