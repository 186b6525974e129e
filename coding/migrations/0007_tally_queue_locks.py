"""Queueing triggers that lock the queue row, so no change is lost to a concurrent recount."""

from django.db import migrations


def install(apps, schema_editor):
    from coding.analysis.tallies import triggers_install

    # Also queues every coded interview, repairing tallies the earlier triggers let drift.
    triggers_install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("coding", "0006_value_tally_coder_facts")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
