"""The audit log's REST API (under /api/audit/): the audit page's filters and keyset pages, one event, the exports
and the chain's verification, for auditors and admins (verification runs: admins), as on /audit/."""

from __future__ import annotations

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.audit import browse, enqueue, export, verify
from portal.audit.forms import AuditFilterForm
from portal.audit.models import AuditEvent, VerifyRun
from portal.roles import ADMIN, AUDITOR, HasRole

Readers = HasRole(AUDITOR, ADMIN)
TAG = ["audit"]


class AuditFilterQuery(serializers.Serializer):
    """The audit page's filters (documentation; the page's own form checks them)."""

    actor = serializers.CharField(required=False, max_length=150, help_text="Portal username or Govern login")
    action = serializers.CharField(required=False, max_length=64,
                                   help_text='An action, or a family: "signoff" matches signoff.approve, …')
    source = serializers.ChoiceField(required=False, choices=AuditEvent.Source.values)
    artifact = serializers.CharField(required=False, max_length=200)
    blueprint = serializers.CharField(required=False, max_length=200)
    deployment = serializers.CharField(required=False, max_length=200)
    request = serializers.CharField(required=False, max_length=64, help_text="Request id")
    since = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD), included")
    until = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD), included")
    q = serializers.CharField(required=False, max_length=200,
                              help_text="Text in actor, action, target, input and upstream message")


class AuditPageQuery(AuditFilterQuery):
    before = serializers.IntegerField(required=False, min_value=1, help_text="Events older than this id")
    after = serializers.IntegerField(required=False, min_value=1, help_text="Events newer than this id")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, help_text="Events per page")


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")
    upstream_message = serializers.CharField(source="detail")

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "source", "actor", "actor_id", "govern_login", "action", "target_type", "target_id",
                  "artifact_id", "blueprint_id", "deployment_id", "outcome", "upstream_status", "upstream_message",
                  "input", "request_id", "client_ip", "natural_key", "portal_event_id", "prev_hash", "hash"]
        read_only_fields = fields


class AuditPageSerializer(serializers.Serializer):
    results = AuditEventSerializer(many=True, source="events")
    newer = serializers.IntegerField(allow_null=True, help_text="Pass as `after` for the newer page")
    older = serializers.IntegerField(allow_null=True, help_text="Pass as `before` for the older page")


class VerifyRunSerializer(serializers.ModelSerializer):
    running = serializers.BooleanField(read_only=True)

    class Meta:
        model = VerifyRun
        fields = ["id", "started_at", "finished_at", "requested_by", "ok", "verified", "first_bad_event_id",
                  "problem", "message", "last_event_id", "last_hash", "running"]
        read_only_fields = fields


class VerifyStatusSerializer(serializers.Serializer):
    last_run = VerifyRunSerializer(allow_null=True)
    requested_at = serializers.DateTimeField(allow_null=True)


def _filter_form(request) -> AuditFilterForm:
    form = AuditFilterForm(request.query_params)
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    return form


class EventList(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(tags=TAG, operation_id="audit_events_list",
                   summary="Audit events, newest first, filtered as on /audit/",
                   description="Keyset pages: pass `older` as `before` for the next page.",
                   parameters=[AuditPageQuery], responses=AuditPageSerializer)
    def get(self, request):
        form = _filter_form(request)
        size = request.query_params.get("limit", "")
        if size:
            limit = AuditPageQuery(data={"limit": size})
            limit.is_valid(raise_exception=True)
            size = limit.validated_data["limit"]
        page = browse.page(form.filters(), before=form.cleaned_data.get("before"),
                           after=form.cleaned_data.get("after"),
                           size=size or max(1, min(int(settings.AUDIT_PAGE_SIZE), 500)))
        return Response(AuditPageSerializer(page).data)


class EventDetail(APIView):
    permission_classes = [Readers]
    reads_upstream = False

    @extend_schema(tags=TAG, summary="One audit event", responses=AuditEventSerializer)
    def get(self, request, event_id):
        event = browse.event(event_id)
        if event is None:
            raise NotFound("No such audit event.")
        return Response(AuditEventSerializer(event).data)


class Export(APIView):
    permission_classes = [Readers]
    reads_upstream = False
    fmt = "json"

    def get(self, request):
        filters = _filter_form(request).filters()
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        if self.fmt == "csv":
            response = StreamingHttpResponse(export.csv_lines(filters), content_type="text/csv; charset=utf-8")
        else:
            response = StreamingHttpResponse(export.json_chunks(filters), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{self.fmt}"'
        response["Cache-Control"] = "no-store"
        return response


class ExportCsv(Export):
    fmt = "csv"

    @extend_schema(tags=TAG, summary="The filtered events as CSV, oldest first, closed by the chain's hash",
                   parameters=[AuditFilterQuery],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")})
    def get(self, request):
        return super().get(request)


class ExportJson(Export):
    @extend_schema(tags=TAG, summary="The filtered events as JSON, oldest first, closed by the chain's hash",
                   parameters=[AuditFilterQuery],
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="events, count, last_hash")})
    def get(self, request):
        return super().get(request)


class Verification(APIView):
    reads_upstream = False

    def get_permissions(self):
        return [HasRole(ADMIN)()] if self.request.method == "POST" else [Readers()]

    @extend_schema(tags=TAG, summary="The chain's last verification", responses=VerifyStatusSerializer)
    def get(self, request):
        return Response(VerifyStatusSerializer({"last_run": verify.last_run(),
                                                "requested_at": enqueue.verification_requested_at()}).data)

    @extend_schema(tags=TAG, summary="Verify the chain now (admins); a worker runs it", request=None,
                   responses={202: VerifyStatusSerializer})
    def post(self, request):
        enqueue.request_verification(requested_by=request.user.get_username())
        return Response(VerifyStatusSerializer({"last_run": verify.last_run(),
                                                "requested_at": enqueue.verification_requested_at()}).data,
                        status=status.HTTP_202_ACCEPTED)
