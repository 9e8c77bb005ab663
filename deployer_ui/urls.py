from django.urls import path  # noqa: F401

app_name = "deployer_ui"
urlpatterns: list = []
