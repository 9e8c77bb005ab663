"""Serializers of the governance API (documented by drf-spectacular)."""

from __future__ import annotations

from rest_framework import serializers

from govern_ui.browse import SORTS
from govern_ui.models import ReviewAction
from govern_ui.review import COMMENT_MAX_CHARS, person_name
from portal.lib.parsing import datetime_to_ms


class EpochMillisField(serializers.IntegerField):
    """A Govern timestamp (a datetime in the portal) shown as Govern's epoch milliseconds, the API's documented form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "Epoch milliseconds")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return datetime_to_ms(value)


class ArtifactFilterSerializer(serializers.Serializer):
    blueprint = serializers.CharField(required=False, allow_blank=True, max_length=200)
    status = serializers.CharField(required=False, allow_blank=True, max_length=200)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="name")
    desc = serializers.BooleanField(required=False, default=False)


class ArtifactSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    blueprint_id = serializers.CharField()
    status = serializers.CharField()
    created_on = EpochMillisField()
    created_by = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    """One review, under the person who decided (not the account that sent it)."""

    reviewer = serializers.CharField(help_text="Govern login of the person who decided")
    reviewer_name = serializers.CharField(source="display_name")
    outcome = serializers.CharField()
    comment = serializers.CharField(help_text="The reviewer's words (the portal's attribution taken off)")
    reviewed_on = EpochMillisField(source="when")
    via_portal = serializers.BooleanField()
    sent_as = serializers.CharField(help_text="The Govern account that sent it, when not the reviewer ('' else)")


class StepAccessSerializer(serializers.Serializer):
    can_review = serializers.BooleanField()
    can_delegate = serializers.BooleanField()
    can_reassign = serializers.BooleanField(help_text="An administrator may hand the delegated step back or on")
    needs_key = serializers.BooleanField(help_text="Save a personal Govern API key first (profile page)")
    reason = serializers.CharField()


class DelegationSerializer(serializers.Serializer):
    """The delegation in force, when it was made through the portal: who, when and why."""

    to = serializers.CharField(source="to_login")
    to_name = serializers.CharField()
    by = serializers.CharField(source="by_login")
    by_name = serializers.CharField()
    at = serializers.DateTimeField()
    why = serializers.CharField()
    reassigned_from = serializers.CharField(source="from_name")
    action_id = serializers.IntegerField()


class SignOffSerializer(serializers.Serializer):
    step_id = serializers.CharField(source="sign_off.step_id")
    step_name = serializers.CharField(source="sign_off.step_name")
    status = serializers.CharField(source="sign_off.status")
    delegated_to = serializers.CharField(source="sign_off.delegated_to")
    delegated_to_name = serializers.CharField()
    delegation = DelegationSerializer(allow_null=True)
    reviews = ReviewSerializer(source="timeline", many=True)
    access = StepAccessSerializer()


class CustomFieldSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    kind = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    items = serializers.ListField(child=serializers.CharField())


class ArtifactDetailSerializer(serializers.Serializer):
    id = serializers.CharField(source="artifact.id")
    name = serializers.CharField(source="artifact.name")
    blueprint_id = serializers.CharField(source="artifact.blueprint_id")
    blueprint_version_id = serializers.CharField(source="artifact.blueprint_version_id")
    status = serializers.CharField(source="artifact.status")
    created_on = EpochMillisField(source="artifact.created_on")
    created_by = serializers.CharField(source="artifact.created_by")
    last_modified_on = EpochMillisField(source="artifact.last_modified_on")
    last_modified_by = serializers.CharField(source="artifact.last_modified_by")
    custom_fields = serializers.DictField(source="artifact.custom_fields", child=serializers.JSONField())
    fields = CustomFieldSerializer(many=True)
    sign_offs = SignOffSerializer(source="panels", many=True)


class QueueItemSerializer(serializers.Serializer):
    artifact_id = serializers.CharField(source="step.artifact_id")
    artifact_name = serializers.CharField(source="step.artifact_name")
    blueprint_id = serializers.CharField(source="step.blueprint_id")
    step_id = serializers.CharField(source="step.step_id")
    step_name = serializers.CharField(source="step.step_name")
    blueprint_name = serializers.CharField()
    status = serializers.CharField(source="step.status")
    status_label = serializers.CharField()
    assigned = serializers.CharField(source="reason", help_text="delegated, named, role, or '' (not assigned)")
    delegated_to_me = serializers.BooleanField()
    reviewed_by = serializers.ListField(child=serializers.CharField(), help_text="Names of who reviewed it so far")
    waiting_since = serializers.DateTimeField(allow_null=True)


class QueueFilterSerializer(serializers.Serializer):
    tab = serializers.ChoiceField(choices=["mine", "all"], required=False, default="mine")
    blueprint = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    status = serializers.ChoiceField(choices=["", "NOT_STARTED", "IN_PROGRESS", "DELEGATED"], required=False,
                                     default="")
    sort = serializers.ChoiceField(choices=["age", "name"], required=False, default="age")
    page = serializers.IntegerField(required=False, min_value=1, default=1)


class QueueSerializer(serializers.Serializer):
    loading = serializers.BooleanField(help_text="True while the Govern mirror was never filled; ask again shortly.")
    built_at = serializers.DateTimeField(allow_null=True)
    tab = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Steps on each tab (mine, all)")
    total = serializers.IntegerField(help_text="Steps matching the filters (every page)")
    items = QueueItemSerializer(many=True)


class ReviewActionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", read_only=True)
    actor_name = serializers.SerializerMethodField()

    def get_actor_name(self, action: ReviewAction) -> str:
        return person_name(action.actor)

    class Meta:
        model = ReviewAction
        fields = [
            "id",
            "kind",
            "artifact_id",
            "step_id",
            "artifact_name",
            "step_name",
            "actor",
            "actor_name",
            "govern_login",
            "sent_as",
            "comment",
            "delegate_to",
            "reassigned_from",
            "idempotency_key",
            "state",
            "attempts",
            "last_error",
            "upstream_status",
            "created_at",
            "updated_at",
            "delivered_at",
        ]
        read_only_fields = fields


class ReviewActionCreateSerializer(serializers.Serializer):
    """A confirmed action. Send the same `idempotency_key` again to get the same action back (nothing is resent)."""

    kind = serializers.ChoiceField(choices=ReviewAction.Kind.choices)
    artifact_id = serializers.CharField(max_length=255)
    step_id = serializers.CharField(max_length=255)
    comment = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=COMMENT_MAX_CHARS
    )
    delegate_to = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text='A login, a display name or "Name (login)"'
    )
    idempotency_key = serializers.RegexField(r"^[A-Za-z0-9_-]{8,64}$")
    reassign = serializers.BooleanField(
        required=False, default=False, help_text="An administrator hands a delegated step back or to someone else"
    )

    def validate(self, attrs):
        if attrs["kind"] == ReviewAction.Kind.REJECT and not attrs.get("comment", "").strip():
            raise serializers.ValidationError({"comment": "A rejection needs a comment."})
        if attrs["kind"] == ReviewAction.Kind.DELEGATE and not attrs.get("delegate_to"):
            raise serializers.ValidationError({"delegate_to": "Choose the Govern user to delegate to."})
        return attrs
