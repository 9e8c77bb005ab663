"""The API-node and running-task endpoints: the same use cases, roles and audit as the pages (`apinodes`,
`apinode_admin`, `updates`), without the pages' one-time confirmations (an API call is its own confirmation)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from deployer_ui import apinode_admin, apinodes, charts, updates
from deployer_ui.api.serializers_nodes import (
    AuthKeyCreateSerializer,
    ChartSerializer,
    GenerationImportSerializer,
    GenerationSerializer,
    NewAuthKeySerializer,
    NodeDetailSerializer,
    NodeListSerializer,
    RangeQuerySerializer,
    ServiceActionSerializer,
    ServiceDetailSerializer,
    TaskAbortSerializer,
    TaskSerializer,
)
from deployer_ui.apinode_forms import ArchiveForm, KeyFieldsForm
from portal.roles import ADMIN, ALL_ROLES, OPERATOR, HasRole

Readers = HasRole(*ALL_ROLES)
Actors = HasRole(OPERATOR, ADMIN)
TAG = ["api-nodes"]


def _form_errors(form) -> ValidationError:
    return ValidationError({name: list(messages) for name, messages in form.errors.items()})


def _range(request) -> str:
    query = RangeQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["range"]


class NodeList(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(tags=TAG, operation_id="deployments_api_nodes_list", summary="Every API node's cached status",
                   description="From the node cache only (never a node call); a cold cache asks for one sampling.",
                   responses=NodeListSerializer)
    def get(self, request):
        data = apinodes.overview()
        return Response(NodeListSerializer({"loading": data.loading, "interval": data.interval,
                                            "nodes": data.nodes}).data)


class NodeDetail(APIView):
    permission_classes = [Readers]

    @extend_schema(tags=TAG, summary="One node read live: health, services, auth keys (metadata only)",
                   responses=NodeDetailSerializer)
    def get(self, request, node_id):
        return Response(NodeDetailSerializer(apinodes.node_detail(node_id)).data)


class NodeChart(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(tags=TAG, summary="A node's traffic over a range", parameters=[RangeQuerySerializer],
                   responses=ChartSerializer)
    def get(self, request, node_id):
        chosen = charts.parse_range(_range(request))
        name = apinode_admin.node_name(node_id)
        return Response(ChartSerializer(charts.node_charts([(node_id, name)], chosen)[node_id].to_json()).data)


class ServiceDetail(APIView):
    permission_classes = [Readers]

    def get_permissions(self):
        return [Actors()] if self.request.method == "DELETE" else [Readers()]

    @extend_schema(tags=TAG, summary="A service read live, with its generations", responses=ServiceDetailSerializer)
    def get(self, request, node_id, service_id):
        detail = apinodes.service_detail(node_id, service_id)
        return Response(ServiceDetailSerializer(detail).data)

    @extend_schema(tags=TAG, summary="Delete a service with its generations (operators; audited)",
                   responses={204: None})
    def delete(self, request, node_id, service_id):
        apinode_admin.delete_service(user=request.user, node_id=node_id, service_id=service_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceChart(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(tags=TAG, summary="A service's traffic over a range", parameters=[RangeQuerySerializer],
                   responses=ChartSerializer)
    def get(self, request, node_id, service_id):
        chosen = charts.parse_range(_range(request))
        apinodes.require_node(node_id)
        return Response(ChartSerializer(charts.service_chart(node_id, service_id, chosen).to_json()).data)


class ServiceAction(APIView):
    permission_classes = [Actors]

    @extend_schema(tags=TAG, summary="Enable or disable a service, switch to or preload a generation",
                   description="Operators and admins. Audited; the node is re-read into the cache at once. 404 for an "
                               "unknown node, service or generation.",
                   request=ServiceActionSerializer, responses={200: ServiceDetailSerializer})
    def post(self, request, node_id, service_id):
        body = ServiceActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        apinodes.require_node(node_id)
        action = apinodes.prepare_service_action(node_id, service_id, body.validated_data["action"],
                                                 body.validated_data["generation_id"])
        apinodes.run_service_action(user=request.user, action=action)
        return Response(ServiceDetailSerializer(apinodes.service_detail(node_id, service_id)).data)


class AuthKeys(APIView):
    permission_classes = [Actors]

    @extend_schema(tags=TAG, summary="Create an auth key (operators; audited without its value)",
                   description="The answer carries the key's value: the only time it is shown. 400 when a service "
                               "named is not on the node.",
                   request=AuthKeyCreateSerializer, responses={201: NewAuthKeySerializer})
    def post(self, request, node_id):
        body = AuthKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services, _ = apinode_admin.create_key_plan(node_id)
        form = KeyFieldsForm(data={"label": body.validated_data["label"],
                                   "allowed_services": body.validated_data["allowed_services"]}, services=services)
        if not form.is_valid():
            raise _form_errors(form)
        created = apinode_admin.create_auth_key(user=request.user, node_id=node_id, label=form.cleaned_data["label"],
                                                allowed_services=form.cleaned_data["allowed_services"])
        response = Response(NewAuthKeySerializer(created).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class AuthKey(APIView):
    permission_classes = [Actors]

    @extend_schema(tags=TAG, summary="Delete an auth key (operators; audited)", responses={204: None})
    def delete(self, request, node_id, key_id):
        apinode_admin.node_name(node_id)
        apinode_admin.delete_auth_key(user=request.user, node_id=node_id, key_id=key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Generations(APIView):
    permission_classes = [Actors]
    parser_classes = [MultiPartParser]

    @extend_schema(tags=TAG, summary="Import a generation archive into a service (operators; audited)",
                   description="multipart/form-data with one `file` part holding a ZIP archive. The new generation "
                               "is not active until you switch to it.",
                   request={"multipart/form-data": GenerationImportSerializer},
                   responses={201: GenerationSerializer})
    def post(self, request, node_id, service_id):
        apinode_admin.import_plan(node_id, service_id)  # unknown node or service: 404 before reading the archive
        form = ArchiveForm(data={}, files=request.FILES)
        if not form.is_valid():
            raise _form_errors(form)
        archive = form.cleaned_data["file"]
        generation = apinode_admin.import_generation(user=request.user, node_id=node_id, service_id=service_id,
                                                     archive=archive, filename=archive.name)
        return Response(GenerationSerializer(generation).data, status=status.HTTP_201_CREATED)


class Generation(APIView):
    permission_classes = [Actors]

    @extend_schema(tags=TAG, summary="Delete a generation that is not active (operators; audited)",
                   description="409 for the active generation: nothing is sent to the node.", responses={204: None})
    def delete(self, request, node_id, service_id, generation_id):
        apinode_admin.node_name(node_id)
        apinode_admin.delete_generation(user=request.user, node_id=node_id, service_id=service_id,
                                        generation_id=generation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskList(APIView):
    permission_classes = [Readers]

    @extend_schema(tags=["tasks"], summary="Running Deployer tasks (futures) with the portal person who started each",
                   responses=TaskSerializer(many=True))
    def get(self, request):
        return Response(TaskSerializer(updates.running_tasks(), many=True).data)


class TaskAbort(APIView):
    permission_classes = [HasRole(ADMIN)]

    @extend_schema(tags=["tasks"], summary="Abort a running task (admins; audited)", request=None,
                   responses={202: TaskAbortSerializer})
    def post(self, request, job_id):
        updates.get_task(job_id)  # unknown job: 404
        updates.abort_task(user=request.user, job_id=job_id)
        return Response({"job_id": job_id, "state": "requested"}, status=status.HTTP_202_ACCEPTED)
