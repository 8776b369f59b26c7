from django.urls import path

from accounts import views

urlpatterns = [
    path("i18n/language/", views.language_set, name="set_language"),
]
