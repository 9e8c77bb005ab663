"""Shapes of the API-node and running-task endpoints. An auth key's value appears only in the answer that created it."""

from __future__ import annotations

from rest_framework import serializers

from deployer_ui.apinode_admin import MAX_ARCHIVE_BYTES
from deployer_ui.apinodes import SERVICE_ACTIONS
from deployer_ui.charts import DEFAULT_RANGE, RANGES

ID_MAX = 255


class CachedServiceSerializer(serializers.Serializer):
    service_id = serializers.CharField()
    enabled = serializers.BooleanField()
    active_generation = serializers.CharField(allow_blank=True)
    generation_count = serializers.IntegerField()


class NodeStatusSerializer(serializers.Serializer):
    """A node as the node cache holds it (sampled by a worker; `stale` when older than three samplings)."""

    id = serializers.CharField()
    name = serializers.CharField()
    health = serializers.CharField(help_text="ok, warning, error or loading")
    health_details = serializers.DictField()
    services = CachedServiceSerializer(many=True)
    loading = serializers.BooleanField()
    failed = serializers.BooleanField()
    stale = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    fetched_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    age_seconds = serializers.IntegerField(allow_null=True)


class NodeListSerializer(serializers.Serializer):
    loading = serializers.BooleanField()
    interval_seconds = serializers.IntegerField(source="interval")
    nodes = NodeStatusSerializer(many=True)


class EndpointSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    model_ref = serializers.CharField(allow_blank=True)


class ServiceSerializer(serializers.Serializer):
    service_id = serializers.CharField()
    enabled = serializers.BooleanField()
    active_generation = serializers.CharField(allow_blank=True)
    generation_count = serializers.IntegerField()
    endpoints = EndpointSerializer(many=True)


class AuthKeySerializer(serializers.Serializer):
    """An auth key's metadata; never its value."""

    id = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    created_on = serializers.DateTimeField(allow_null=True)
    allowed_services = serializers.ListField(child=serializers.CharField(),
                                             help_text="Empty: every service of the node.")


class NodeHealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    details = serializers.DictField()


class NodeDetailSerializer(serializers.Serializer):
    """One node read live. A part the node did not answer is missing and its reason is in `upstream_errors`."""

    id = serializers.CharField()
    name = serializers.CharField()
    health = NodeHealthSerializer(allow_null=True)
    services = ServiceSerializer(many=True)
    keys = AuthKeySerializer(many=True)
    upstream_errors = serializers.ListField(child=serializers.CharField())


class GenerationSerializer(serializers.Serializer):
    generation_id = serializers.CharField()
    active = serializers.BooleanField()
    created_on = serializers.DateTimeField(allow_null=True)
    preloaded = serializers.BooleanField(required=False, default=False)


class ServiceDetailSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    node_name = serializers.CharField()
    service_id = serializers.CharField()
    service = ServiceSerializer(allow_null=True)
    generations = GenerationSerializer(many=True)
    upstream_error = serializers.CharField(allow_blank=True)


class ChartSeriesSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))
    current = serializers.FloatField(allow_null=True)
    current_text = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True)


class ChartSerializer(serializers.Serializer):
    """A node's or service's traffic over a range, from the portal's own samples (never a node call)."""

    subject = serializers.CharField()
    range = serializers.CharField()
    range_label = serializers.CharField()
    times = serializers.ListField(child=serializers.IntegerField(), help_text="Epoch seconds, one per point.")
    last_at = serializers.DateTimeField(allow_null=True)
    recent = serializers.BooleanField()
    summary = serializers.CharField(allow_blank=True)
    series = ChartSeriesSerializer(many=True)


class RangeQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(RANGES), required=False, default=DEFAULT_RANGE)


class ServiceActionSerializer(serializers.Serializer):
    """`switch` and `preload` name the generation; `enable` and `disable` take nothing."""

    action = serializers.ChoiceField(choices=list(SERVICE_ACTIONS))
    generation_id = serializers.CharField(required=False, allow_blank=True, max_length=ID_MAX, default="")

    def validate(self, attrs):
        if attrs["action"] in ("switch", "preload") and not attrs.get("generation_id"):
            raise serializers.ValidationError({"generation_id": "Name the generation to switch to or preload."})
        return attrs


class AuthKeyCreateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    allowed_services = serializers.ListField(child=serializers.CharField(max_length=ID_MAX), required=False,
                                             default=list, max_length=200,
                                             help_text="Services of the node the key may call; empty for all.")


class NewAuthKeySerializer(serializers.Serializer):
    """The new key and its value. The value is in this answer only: the portal keeps it nowhere."""

    key = AuthKeySerializer()
    secret = serializers.CharField()


class GenerationImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"A generation archive (ZIP), at most {MAX_ARCHIVE_BYTES} bytes.")


class TaskSerializer(serializers.Serializer):
    """A running Deployer task (future) and the portal person who started it, when the portal did."""

    job_id = serializers.CharField(source="future.job_id")
    owner = serializers.CharField()
    alive = serializers.BooleanField(source="future.alive")
    aborted = serializers.BooleanField(source="future.aborted")
    has_result = serializers.BooleanField(source="future.has_result")
    start_time = serializers.DateTimeField(source="future.start_time", allow_null=True)
    running_time_ms = serializers.FloatField(source="future.running_time_ms", allow_null=True)
    percent = serializers.IntegerField(source="future.percent", allow_null=True)
    progress_label = serializers.CharField(source="future.progress_label", allow_blank=True)
    update_id = serializers.IntegerField(source="update.pk", allow_null=True, default=None)


class TaskAbortSerializer(serializers.Serializer):
    job_id = serializers.CharField()
    state = serializers.CharField(help_text="`requested`: the Deployer was asked to abort it.")
