"""Every update records what it deployed: its kind, the update it follows up, and both bundles on every row.

Before, `bundle_id` was set only by "deploy another bundle", and a plain update's row read "(current)", which later
meant another bundle. A plain update deployed the bundle its settings named when it started, which is the row's
`previous_bundle_id`: that is copied into `bundle_id`.
"""

import django.db.models.deletion
from django.db import migrations, models


def resolve_bundles(apps, schema_editor):
    update = apps.get_model("deployer_ui", "DeploymentUpdate")
    update.objects.exclude(bundle_id="").update(kind="deploy_bundle")
    update.objects.filter(bundle_id="").update(bundle_id=models.F("previous_bundle_id"))


class Migration(migrations.Migration):

    dependencies = [
        ('deployer_ui', '0002_wall_screens'),
    ]

    operations = [
        migrations.AddField(
            model_name='deploymentupdate',
            name='kind',
            field=models.CharField(choices=[('update', 'Update'), ('deploy_bundle', 'Deploy another bundle'), ('retry', 'Retry'), ('rollback', 'Roll back'), ('redeploy', 'Redeploy')], default='update', max_length=16),
        ),
        migrations.AddField(
            model_name='deploymentupdate',
            name='origin',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='followups', to='deployer_ui.deploymentupdate'),
        ),
        migrations.RunPython(resolve_bundles, migrations.RunPython.noop),
    ]
