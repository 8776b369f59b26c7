from django.urls import path

from rewards import views

app_name = "rewards"

urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/movements/", views.movements, name="wallet_movements"),
    path("wallet/summary.json", views.summary, name="wallet_summary"),
]
