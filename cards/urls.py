from django.urls import path

from cards import views

app_name = "cards"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
