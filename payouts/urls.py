from django.urls import path

from payouts import views

app_name = "payouts"

urlpatterns = [
    path("wallet/payouts/", views.payouts_home, name="home"),
    path("wallet/payouts/<int:payout_id>/cancel/", views.payout_cancel, name="cancel"),
    path("wallet/payouts/bank/", views.bank_details, name="bank"),
    path("wallet/payouts/bank/confirm/<int:challenge_id>/", views.bank_details_confirm, name="bank_confirm"),
    path("wallet/payouts/identity/", views.identity, name="identity"),
]
