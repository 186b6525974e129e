"""Load the six shared framework values from fixtures/codebook.json."""

from django.db import migrations


def load(apps, schema_editor):
    from coding.codebook import framework_values_load

    framework_values_load(apps.get_model("coding", "CodebookValue"))


class Migration(migrations.Migration):
    dependencies = [("coding", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
