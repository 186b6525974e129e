"""Give every existing codebook version 1 and put every existing tag on it.

Retired values get the retired status, and the existing (short) definitions become the short
definitions, so the codebook page shows them where they belong.
"""

from django.db import migrations


def snapshot_row(value):
    return {
        "guid": str(value.guid),
        "slug": value.slug,
        "name": value.name,
        "short_definition": value.short_definition,
        "definition": value.definition,
        "when_to_use": value.when_to_use,
        "when_not_to_use": value.when_not_to_use,
        "colour": value.colour,
        "shortcut": value.shortcut,
        "framework": value.project_id is None,
        "parent": None,
    }


def forwards(apps, schema_editor):
    CodebookValue = apps.get_model("coding", "CodebookValue")
    CodebookVersion = apps.get_model("coding", "CodebookVersion")
    ExcerptValue = apps.get_model("coding", "ExcerptValue")
    ResearchProject = apps.get_model("coding", "ResearchProject")
    CodebookValue.objects.filter(is_active=False).update(status="retired")
    for value in CodebookValue.objects.filter(short_definition=""):
        value.short_definition = value.definition[:300]
        value.save(update_fields=["short_definition"])
    for project in ResearchProject.objects.all():
        values = CodebookValue.objects.filter(is_active=True).filter(
            models_q(project.pk)
        ).order_by("order", "name")
        version = CodebookVersion.objects.create(
            project=project,
            number=1,
            summary="The codebook as it stood when versions began.",
            snapshot=[snapshot_row(v) for v in values],
        )
        ExcerptValue.objects.filter(excerpt__interview__project=project).update(version=version)


def models_q(project_id):
    from django.db.models import Q

    return Q(project__isnull=True) | Q(project_id=project_id)


class Migration(migrations.Migration):
    dependencies = [("coding", "0010_codebook_proposals_versions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
