"""Give every tag written without a codebook version (consensus layer, demo seed, admin) one.

A tag gets the newest version of its project made at or before its excerpt was; a project that
never had a version gets version 1, as migration 0011 gave the projects of its day.
"""

from django.db import migrations
from django.db.models import Q


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
    missing = ExcerptValue.objects.filter(version__isnull=True)
    project_ids = set(missing.values_list("excerpt__interview__project_id", flat=True))
    for project_id in sorted(project_ids):
        versions = list(CodebookVersion.objects.filter(project_id=project_id).order_by("number"))
        if not versions:
            values = (
                CodebookValue.objects.filter(is_active=True, proposed_by__isnull=True)
                .exclude(status="proposed")
                .filter(Q(project__isnull=True) | Q(project_id=project_id))
                .order_by("order", "name")
            )
            versions = [
                CodebookVersion.objects.create(
                    project_id=project_id,
                    number=1,
                    summary="The codebook as it stood when versions began.",
                    snapshot=[snapshot_row(v) for v in values],
                )
            ]
        ids = list(
            missing.filter(excerpt__interview__project_id=project_id).values_list("pk", flat=True)
        )
        tags = ExcerptValue.objects.filter(pk__in=ids)
        # Oldest first: each later version takes the tags made at or after it.
        tags.update(version=versions[0])
        for version in versions[1:]:
            tags.filter(excerpt__created__gte=version.created).update(version=version)


class Migration(migrations.Migration):
    dependencies = [("coding", "0015_job_secret")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
