"""The history store: new fields (source, artifact, blueprint, deployment, request id, client address, natural key,
link to the portal's own event), the hash chain computed for the rows already written (in id order), the chain head,
verification runs, the indexes of the audit page's keyset pages, and on PostgreSQL a trigger refusing UPDATE and
DELETE."""

import logging

import django.utils.timezone
from django.conf import settings
from django.db import DatabaseError, migrations, models, transaction

from portal.audit import chain

log = logging.getLogger(__name__)

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % on audit_auditevent refused', TG_OP;
END
$$;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
SEARCH_INDEX_SQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS audit_search_trgm_idx ON audit_auditevent USING gin (search gin_trgm_ops);
"""
DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def chain_existing_rows(apps, schema_editor):
    """Fill the derived fields of the rows written before this migration, then chain them in id order. Their
    recorded values are hashed as stored: history is not rewritten, only sealed."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    prev, last_id = chain.GENESIS, None
    for start in range(0, len(ids), 1000):
        for event in AuditEvent.objects.filter(id__in=ids[start:start + 1000]).order_by("id"):
            if event.target_type in ("artifact", "signoff", "step"):
                event.artifact_id = event.target_id.split("/", 1)[0][:200]
            if event.target_type == "deployment":
                event.deployment_id = event.target_id[:200]
            event.source = "portal"
            event.search = chain.search_text(event)
            event.prev_hash = prev
            event.hash = chain.chain_hash(prev, event)
            event.save(update_fields=["artifact_id", "deployment_id", "source", "search", "prev_hash", "hash"])
            prev, last_id = event.hash, event.id
    ChainHead.objects.update_or_create(pk=1, defaults={"last_event_id": last_id, "last_hash": prev,
                                                       "length": len(ids)})


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def add_search_index(apps, schema_editor):
    """A trigram index for free-text search on PostgreSQL. pg_trgm is a trusted extension (any database owner may
    add it); where it cannot be added the search still works, by scanning."""
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(SEARCH_INDEX_SQL, params=None)
    except DatabaseError as exc:
        log.warning("audit search index not created (free-text search will scan): %s", exc)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_search_trgm_idx", params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER_SQL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["-id"]}),
        migrations.RemoveIndex(model_name="auditevent", name="audit_audit_target__59bbff_idx"),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True, db_constraint=False, null=True, on_delete=models.deletion.DO_NOTHING,
                related_name="+", to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="source",
            field=models.CharField(
                choices=[("portal", "Portal"), ("observed", "Observed in Govern")], default="portal", max_length=16
            ),
        ),
        migrations.AddField(
            model_name="auditevent", name="govern_login", field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="auditevent", name="artifact_id", field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="auditevent", name="blueprint_id", field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="auditevent", name="deployment_id", field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="auditevent", name="request_id", field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent", name="client_ip", field=models.CharField(blank=True, max_length=45),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="natural_key",
            field=models.CharField(blank=True, max_length=255, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="portal_event",
            field=models.ForeignKey(
                blank=True, db_constraint=False, null=True, on_delete=models.deletion.DO_NOTHING,
                related_name="observations", to="audit.auditevent",
            ),
        ),
        migrations.AddField(
            model_name="auditevent", name="prev_hash", field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent", name="hash", field=models.CharField(db_index=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent", name="search", field=models.TextField(blank=True, editable=False),
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("last_event_id", models.BigIntegerField(blank=True, null=True)),
                ("last_hash", models.CharField(max_length=64)),
                ("length", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="VerifyRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("requested_by", models.CharField(blank=True, max_length=150)),
                ("ok", models.BooleanField(null=True)),
                ("verified", models.BigIntegerField(default=0)),
                ("first_bad_event_id", models.BigIntegerField(blank=True, null=True)),
                ("problem", models.CharField(blank=True, max_length=16)),
                ("message", models.TextField(blank=True)),
                ("last_event_id", models.BigIntegerField(blank=True, null=True)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
            ],
            options={"ordering": ["-started_at", "-id"]},
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["target_type", "target_id", "id"], name="audit_target_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["actor_username", "id"], name="audit_actor_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["govern_login", "id"], name="audit_govern_login_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["action", "id"], name="audit_action_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["source", "id"], name="audit_source_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["artifact_id", "id"], name="audit_artifact_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["blueprint_id", "id"], name="audit_blueprint_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["deployment_id", "id"], name="audit_deployment_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["request_id", "id"], name="audit_request_id_idx"),
        ),
        migrations.RunPython(add_search_index, drop_search_index),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
