"""Wall screens in the REST API (under /api/wall/), for admins: list them with their state, create one (its token and
link are in that answer only), revoke one. The same use cases and audit as /wall/screens/."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from deployer_ui.models import WallScreen
from deployer_ui.wall import screens
from deployer_ui.wall.forms import WallScreenFieldsForm
from portal.roles import ADMIN, HasRole

TAG = ["wall"]


class WallScreenSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="screen.pk")
    name = serializers.CharField(source="screen.name")
    state = serializers.ChoiceField(choices=["alive", "quiet", "never", "revoked", "expired"])
    stages = serializers.ListField(child=serializers.CharField(), source="screen.stages")
    infras = serializers.ListField(child=serializers.CharField(), source="screen.infras")
    projects = serializers.ListField(child=serializers.CharField(), source="screen.projects")
    expires_at = serializers.DateTimeField(source="screen.expires_at", allow_null=True)
    created_at = serializers.DateTimeField(source="screen.created_at")
    created_by = serializers.CharField(source="screen.created_by_username", allow_blank=True)
    revoked_at = serializers.DateTimeField(source="screen.revoked_at", allow_null=True)
    last_seen_at = serializers.DateTimeField(source="screen.last_seen_at", allow_null=True)
    last_seen_address = serializers.CharField(source="screen.last_seen_address", allow_null=True)


class WallScreenCreateSerializer(serializers.Serializer):
    """Stages, infras and projects must be among those of the deployments the portal knows; empty means all."""

    name = serializers.CharField(max_length=100)
    stages = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list,
                                   max_length=50)
    infras = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list,
                                   max_length=50)
    projects = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list,
                                     max_length=50)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class IssuedScreenSerializer(serializers.Serializer):
    """The new screen, its token and its link: shown in this answer only (the portal keeps a digest)."""

    screen = WallScreenSerializer()
    token = serializers.CharField()
    url = serializers.URLField()


def _row(screen: WallScreen) -> screens.ScreenRow:
    return next(r for r in screens.screens_overview() if r.screen.pk == screen.pk)


class ScreenList(APIView):
    permission_classes = [HasRole(ADMIN)]
    reads_upstream = False

    @extend_schema(tags=TAG, summary="Wall screens, usable ones first (admins)",
                   responses=WallScreenSerializer(many=True))
    def get(self, request):
        return Response(WallScreenSerializer(screens.screens_overview(), many=True).data)

    @extend_schema(tags=TAG, summary="Create a wall screen (admins; audited without its token)",
                   request=WallScreenCreateSerializer, responses={201: IssuedScreenSerializer})
    def post(self, request):
        body = WallScreenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if data["expires_at"] is None:
            data["expires_at"] = ""
        form = WallScreenFieldsForm(data=data, **screens.scope_choices())
        if not form.is_valid():
            raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
        issued = screens.issue(user=request.user, name=form.cleaned_data["name"], scope=form.scope(),
                               expires_at=form.cleaned_data["expires_at"])
        url = request.build_absolute_uri(reverse("wall:token_wall", args=[issued.token]))
        body = {"screen": _row(issued.screen), "token": issued.token, "url": url}
        response = Response(IssuedScreenSerializer(body).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class ScreenRevoke(APIView):
    permission_classes = [HasRole(ADMIN)]
    reads_upstream = False

    @extend_schema(tags=TAG, summary="Revoke a wall screen (admins; audited)",
                   description="Its link stops working at its next poll. Revoking a revoked screen changes nothing.",
                   request=None, responses={200: WallScreenSerializer})
    def post(self, request, pk):
        screen = get_object_or_404(WallScreen, pk=pk)
        screens.revoke(user=request.user, screen=screen)
        return Response(WallScreenSerializer(_row(screen)).data)
