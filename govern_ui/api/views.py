"""The governance REST API: the same subject modules as the pages, the same rules and the same idempotency."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from govern_ui import browse, queue, record, review
from govern_ui.api.serializers import (
    ArtifactDetailSerializer,
    ArtifactFilterSerializer,
    ArtifactSummarySerializer,
    QueueFilterSerializer,
    QueueSerializer,
    ReviewActionCreateSerializer,
    ReviewActionSerializer,
)
from govern_ui.models import ReviewAction
from portal.api import BoundedLimitOffsetPagination
from portal.api_schema import page_of
from portal.lib.errors import Refused
from portal.roles import ADMIN, ALL_ROLES, REVIEWER, HasRole, has_role


class ArtifactList(APIView):
    """Artifacts from the catalog, filtered, searched and sorted by the portal."""

    permission_classes = [HasRole(*ALL_ROLES)]

    @extend_schema(
        operation_id="governance_artifacts_list",
        parameters=[ArtifactFilterSerializer, OpenApiParameter("limit", int), OpenApiParameter("offset", int)],
        responses=page_of(ArtifactSummarySerializer),
    )
    def get(self, request):
        params = ArtifactFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        result = browse.artifact_page(
            blueprint=filters.get("blueprint", ""),
            status=filters.get("status", ""),
            q=filters.get("q", ""),
            sort=filters["sort"],
            descending=filters["desc"],
            page=1,
        )
        # `matches` holds the whole filtered order; LimitOffset pages over it without copying artifacts.
        paginator = BoundedLimitOffsetPagination()
        window = paginator.paginate_queryset(result.matches, request, view=self)
        data = ArtifactSummarySerializer(window, many=True).data
        return paginator.get_paginated_response(data)


class ArtifactDetail(APIView):
    """One artifact with its custom fields and sign-off steps (and what the caller may do on each)."""

    permission_classes = [HasRole(*ALL_ROLES)]

    @extend_schema(responses=ArtifactDetailSerializer)
    def get(self, request, artifact_id):
        detail = browse.artifact_detail(artifact_id, request.user)
        return Response(ArtifactDetailSerializer(detail).data)


class QueueView(APIView):
    """The caller's review queue, from the Govern mirror (never a Govern call)."""

    permission_classes = [HasRole(REVIEWER)]

    @extend_schema(parameters=[QueueFilterSerializer], responses=QueueSerializer)
    def get(self, request):
        params = QueueFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(QueueSerializer(queue.queue_for(request.user, **params.validated_data)).data)


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(
    "state", str, enum=list(ReviewAction.State.values), description="Only actions in this state")]))
class ActionListCreate(generics.ListAPIView):
    """Review actions (your own; admins and auditors see all). POST records a confirmed action and sends it."""

    serializer_class = ReviewActionSerializer

    def get_permissions(self):
        roles = (REVIEWER, ADMIN) if self.request.method == "POST" else ALL_ROLES
        return [HasRole(*roles)()]

    def get_queryset(self):
        state = self.request.query_params.get("state", "")
        return review.actions_visible_to(self.request.user, state if state in ReviewAction.State.values else "")

    @extend_schema(
        request=ReviewActionCreateSerializer,
        responses={201: ReviewActionSerializer, 200: ReviewActionSerializer},
    )
    def post(self, request):
        body = ReviewActionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        needed = ADMIN if data["reassign"] else REVIEWER
        if not has_role(request.user, needed) or (data["reassign"] and data["kind"] != ReviewAction.Kind.DELEGATE):
            what = "hand back or reassign a delegated step" if data["reassign"] else "review or delegate"
            return Response({"detail": f"Only the {needed} role may {what}."}, status=status.HTTP_403_FORBIDDEN)
        try:
            action, created = record.submit_action(user=request.user, **data)
        except record.AlreadyRecorded as exc:
            standing = {"id": exc.action.pk, "kind": exc.action.kind, "state": exc.action.state,
                        "url": reverse("govern_ui_api:action_detail", args=[exc.action.pk]),
                        "page": reverse("govern_ui:action_detail", args=[exc.action.pk])}
            return Response({"detail": exc.reason, "action": standing}, status=status.HTTP_409_CONFLICT)
        except record.BadDelegate as exc:
            return Response({"delegate_to": [exc.reason]}, status=status.HTTP_400_BAD_REQUEST)
        except Refused as exc:
            return Response({"detail": exc.reason}, status=status.HTTP_409_CONFLICT)
        action.refresh_from_db()
        return Response(
            ReviewActionSerializer(action).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ActionDetail(APIView):
    permission_classes = [HasRole(*ALL_ROLES)]

    @extend_schema(responses=ReviewActionSerializer)
    def get(self, request, action_id):
        action = review.action_for(request.user, action_id)
        if action is None:
            raise Http404
        return Response(ReviewActionSerializer(action).data)
