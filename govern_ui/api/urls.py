from django.urls import path  # noqa: F401

app_name = "govern_ui_api"
urlpatterns: list = []
