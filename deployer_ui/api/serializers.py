"""Shapes of the deployments API. Auth key values never appear in any of them."""

from __future__ import annotations

from rest_framework import serializers

from deployer_ui.models import DeploymentUpdate


class MessageSerializer(serializers.Serializer):
    severity = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)


class DeploymentStatusSerializer(serializers.Serializer):
    """A deployment's cached status. `health` is null while loading; `stale` says it is not current."""

    id = serializers.CharField()
    infra_id = serializers.CharField(allow_blank=True)
    stage = serializers.CharField(allow_blank=True)
    project_key = serializers.CharField(allow_blank=True)
    project_name = serializers.CharField(allow_blank=True)
    bundle_id = serializers.CharField(allow_blank=True)
    deployed_project_key = serializers.CharField(allow_blank=True)
    health = serializers.CharField(allow_null=True)
    health_messages = MessageSerializer(many=True)
    monitoring = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    has_scenarios = serializers.BooleanField()
    has_active_scenarios = serializers.BooleanField()
    loading = serializers.BooleanField()
    stale = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    fetched_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    age_seconds = serializers.IntegerField(allow_null=True)


class DeploymentListSerializer(serializers.Serializer):
    loading = serializers.BooleanField()
    count = serializers.IntegerField()
    last_refresh_at = serializers.DateTimeField(allow_null=True)
    last_refresh_error = serializers.CharField(allow_blank=True)
    results = DeploymentStatusSerializer(many=True)


class ReportSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    level = serializers.CharField()
    success = serializers.BooleanField()
    warning = serializers.BooleanField()
    error = serializers.BooleanField()
    fatal = serializers.BooleanField()
    messages = MessageSerializer(many=True)


class DeploymentUpdateSerializer(serializers.ModelSerializer):
    """One update. `bundle_id` is the bundle it deployed and `previous_bundle_id` the one the settings named before,
    both resolved when it started; `origin_update_id` is the update it retries, rolls back from or redeploys."""

    reports = ReportSerializer(many=True, read_only=True)
    kind = serializers.CharField(read_only=True, help_text="update, deploy_bundle, retry, rollback or redeploy")
    origin_update_id = serializers.IntegerField(source="origin_id", allow_null=True, read_only=True)
    started_by = serializers.CharField(read_only=True)

    class Meta:
        model = DeploymentUpdate
        fields = [
            "id", "deployment_id", "project_key", "kind", "origin_update_id", "requester_username", "started_by",
            "bundle_id", "previous_bundle_id", "job_id", "state", "outcome", "progress_percent", "progress_label",
            "reports", "error_message", "abort_requested_by", "started_at", "finished_at", "last_polled_at",
        ]
        read_only_fields = fields


class DeploymentUpdateCreateSerializer(serializers.Serializer):
    """Update a deployment; with `bundle_id`, deploy another bundle of its project first (its settings are saved with
    it, then the update runs). 409 when the bundle is not the project's or an update of it is already running."""

    deployment_id = serializers.CharField(max_length=255)
    bundle_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class UpdateFilterSerializer(serializers.Serializer):
    deployment = serializers.CharField(required=False, allow_blank=True, max_length=255,
                                       help_text="Only this deployment's updates")


class BundleChoicesSerializer(serializers.Serializer):
    deployment_id = serializers.CharField()
    current = serializers.CharField(allow_blank=True, help_text="The bundle the deployment's settings name now.")
    bundles = serializers.ListField(child=serializers.CharField())
