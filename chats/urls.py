from django.urls import path

from chats import views

app_name = "chats"

urlpatterns = [
    path("me/whatsapp/offers/", views.marketing, name="marketing"),
]
