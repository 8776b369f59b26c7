from django.urls import path

from cards.views import stripe_webhook
from promote import views

app_name = "promote"

urlpatterns = [
    path("promote/", views.home, name="home"),
    path("promote/new/", views.order_new, name="order_new"),
    path("promote/orders/<int:order_id>/", views.order_detail, name="order"),
    path("promote/orders/<int:order_id>.csv", views.order_csv, name="order_csv"),
    path("promote/orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("promote/orders/<int:order_id>/resubmit/", views.order_resubmit, name="order_resubmit"),
    # Stripe endpoints configured before the client moved to cards/ keep working.
    path("promote/stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    path("promote/requests/<int:authorization_id>/", views.authorization_decide, name="authorization_decide"),
    path("promote/shared/<int:order_id>/", views.shared_order, name="shared_order"),
]
