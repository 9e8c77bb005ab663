"""URLs of the API tokens' REST API (under /api/tokens/)."""

from django.urls import path

from portal import converters  # noqa: F401 - registers the "rowid" path converter
from portal.tokens import api

app_name = "tokens_api"
urlpatterns = [
    path("", api.TokenList.as_view(), name="tokens"),
    path("<rowid:token_id>/", api.TokenDetail.as_view(), name="token"),
]
