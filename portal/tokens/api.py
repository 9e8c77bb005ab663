"""Personal API tokens in the REST API (under /api/tokens/): list and revoke your own; create one when signed in
with a session (a token cannot make more tokens)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.tokens import service
from portal.tokens.models import ApiToken

TAG = ["tokens"]


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token's metadata; never its value."""

    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="What the token is for, e.g. “CI pipeline”.")

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value or not value.isprintable():
            raise serializers.ValidationError("Give the token a printable name.")
        return value


class IssuedTokenSerializer(serializers.Serializer):
    """The new token and its value: the only time the value is shown (the portal keeps its SHA-256 digest)."""

    token = ApiTokenSerializer()
    value = serializers.CharField(help_text="Send as `Authorization: Bearer <value>`.")


class TokenList(APIView):
    reads_upstream = False

    @extend_schema(tags=TAG, summary="Your API tokens, active ones first", responses=ApiTokenSerializer(many=True))
    def get(self, request):
        return Response(ApiTokenSerializer(service.tokens_of(request.user), many=True).data)

    @extend_schema(tags=TAG, summary="Create an API token (session only; audited without its value)",
                   description="403 when called with a token. 409 past the number of active tokens a person may have.",
                   request=ApiTokenCreateSerializer, responses={201: IssuedTokenSerializer})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied("Create tokens on your profile page or with a signed-in session, not with a token.")
        body = ApiTokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issued = service.create(user=request.user, name=body.validated_data["name"])
        response = Response(IssuedTokenSerializer({"token": issued.token, "value": issued.value}).data,
                            status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class TokenDetail(APIView):
    reads_upstream = False

    @extend_schema(tags=TAG, summary="Revoke one of your API tokens (audited)",
                   description="It stops working at once. Revoking a revoked token changes nothing.",
                   responses={204: None})
    def delete(self, request, token_id):
        if service.revoke(user=request.user, token_id=token_id) is None:
            raise NotFound("You have no such API token.")
        return Response(status=status.HTTP_204_NO_CONTENT)
