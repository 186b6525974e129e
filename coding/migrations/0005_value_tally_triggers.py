"""Database triggers that queue interviews for a recount of their value tallies."""

from django.db import migrations


def install(apps, schema_editor):
    from coding.analysis.tallies import triggers_install

    triggers_install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("coding", "0004_value_tally")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
