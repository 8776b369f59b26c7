from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("billing/invoices/", views.invoices, name="invoices"),
    path("billing/invoices/<int:pk>/<str:what>/", views.invoice_download, name="invoice_download"),
    path(
        "billing/coins/<int:transaction_id>/invoice/",
        views.coin_purchase_invoice,
        name="coin_purchase_invoice",
    ),
]
