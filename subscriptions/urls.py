from django.urls import path

from subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("wallet/subscriptions/", views.home, name="home"),
    path("wallet/subscriptions/subscribe/", views.subscribe, name="subscribe"),
    path("wallet/subscriptions/<int:subscription_id>/cancel/", views.cancel, name="cancel"),
    path("wallet/subscriptions/<int:subscription_id>/keep/", views.keep, name="keep"),
]
