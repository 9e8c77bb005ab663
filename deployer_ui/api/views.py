"""The deployments REST API: cached statuses (read by everyone with a role), updates (started by operators)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from deployer_ui import enqueue, followups, updates
from deployer_ui.api.serializers import (
    BundleChoicesSerializer,
    DeploymentListSerializer,
    DeploymentStatusSerializer,
    DeploymentUpdateCreateSerializer,
    DeploymentUpdateSerializer,
    UpdateFilterSerializer,
)
from deployer_ui.models import DeploymentUpdate
from deployer_ui.status_cache import StatusCache
from portal.api import BoundedLimitOffsetPagination
from portal.api_schema import page_of
from portal.roles import ADMIN, ALL_ROLES, OPERATOR, HasRole

Readers = HasRole(*ALL_ROLES)
Actors = HasRole(OPERATOR, ADMIN)


class DeploymentListView(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(
        operation_id="deployments_list",
        summary="Deployments with their cached status",
        description="Read from the status cache only; never calls the Deployer. On a cold cache `loading` is true and "
                    "one refresh is requested.",
        responses=DeploymentListSerializer,
    )
    def get(self, request):
        cache = StatusCache()
        views = cache.all_views()
        if views is None:
            enqueue.refresh_statuses_if_cold(cache)
        cycle = cache.cycle()
        body = {
            "loading": views is None,
            "count": len(views or []),
            "last_refresh_at": cycle.finished_at,
            "last_refresh_error": cycle.error,
            "results": [v.to_json() for v in views or []],
        }
        return Response(DeploymentListSerializer(body).data)


class DeploymentDetailView(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(summary="One deployment's cached status", responses=DeploymentStatusSerializer)
    def get(self, request, deployment_id):
        cache = StatusCache()
        view = cache.view(deployment_id)
        if view is None:
            if enqueue.refresh_statuses_if_cold(cache) or cache.is_cold():
                return Response({"detail": "Statuses are loading; retry shortly.", "loading": True},
                                status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
            raise NotFound(f"No deployment {deployment_id!r}.")
        return Response(DeploymentStatusSerializer(view.to_json()).data)


class UpdateListView(APIView):
    def get_permissions(self):
        return [Actors()] if self.request.method == "POST" else [Readers()]

    @extend_schema(
        operation_id="deployments_updates_list",
        summary="Updates started from the portal, newest first",
        parameters=[UpdateFilterSerializer, OpenApiParameter("limit", int), OpenApiParameter("offset", int)],
        responses=page_of(DeploymentUpdateSerializer),
    )
    def get(self, request):
        query = UpdateFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = DeploymentUpdate.objects.select_related("requester").order_by("-pk")
        if query.validated_data.get("deployment"):
            rows = rows.filter(deployment_id=query.validated_data["deployment"])
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(DeploymentUpdateSerializer(page, many=True).data)

    @extend_schema(
        summary="Start an update (optionally deploying another bundle first)",
        description="Operators and admins. Answers 202 with the update record; poll its detail for progress.",
        request=DeploymentUpdateCreateSerializer,
        responses={202: DeploymentUpdateSerializer},
    )
    def post(self, request):
        payload = DeploymentUpdateCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        update = updates.start_update(user=request.user, **payload.validated_data)
        return Response(DeploymentUpdateSerializer(update).data, status=status.HTTP_202_ACCEPTED)


class UpdateDetailView(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(summary="One update: state, progress, outcome and reports", responses=DeploymentUpdateSerializer)
    def get(self, request, pk):
        update = get_object_or_404(DeploymentUpdate.objects.select_related("requester"), pk=pk)
        return Response(DeploymentUpdateSerializer(update).data)


class UpdateAbortView(APIView):
    permission_classes = [Actors]

    @extend_schema(summary="Abort a running update", request=None, responses={202: DeploymentUpdateSerializer})
    def post(self, request, pk):
        update = get_object_or_404(DeploymentUpdate, pk=pk)
        updates.abort_update(user=request.user, update=update)
        update.refresh_from_db()
        return Response(DeploymentUpdateSerializer(update).data, status=status.HTTP_202_ACCEPTED)


class UpdateFollowUpView(APIView):
    permission_classes = [Actors]

    @extend_schema(
        summary="Retry, roll back or redeploy from an update",
        description="Operators and admins. `retry` and `rollback` (to the bundle that ran before) follow a failed or "
                    "aborted update; `redeploy` deploys the bundle of a successful one again. Answers 202 with the new "
                    "update; 409 when refused (not offered on this update, its bundle no longer exists, an update of "
                    "the deployment is already running), with nothing changed.",
        request=None,
        responses={202: DeploymentUpdateSerializer},
    )
    def post(self, request, pk, kind):
        origin = get_object_or_404(DeploymentUpdate, pk=pk)
        update = followups.start(user=request.user, update=origin, kind=kind)
        return Response(DeploymentUpdateSerializer(update).data, status=status.HTTP_202_ACCEPTED)


class BundleChoicesView(APIView):
    permission_classes = [Readers]

    @extend_schema(
        summary="The bundles a deployment may be switched to",
        description="Read live from the Deployer: the deployment's bundle now and its published project's bundles. "
                    "To deploy another one, POST /api/deployments/updates/ with its `bundle_id` (operators).",
        responses=BundleChoicesSerializer,
    )
    def get(self, request, deployment_id):
        deployment = updates.get_deployment(deployment_id)
        return Response(BundleChoicesSerializer({"deployment_id": deployment.id, "current": deployment.bundle_id,
                                                 "bundles": updates.bundle_choices(deployment)}).data)
