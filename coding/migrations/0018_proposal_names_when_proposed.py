import re

from django.db import migrations, models

# An accepted rename's version summary still says the old name ("Rename “A” to “B”").
RENAMED = re.compile(r"^Rename “(?P<old>.+)” to “")


def names_when_proposed(apps, schema_editor):
    """Proposals made before the names were kept: take today's names, except an accepted rename,
    whose value now has the new name; its version's summary has the old one."""
    Proposal = apps.get_model("coding", "Proposal")
    CodebookVersion = apps.get_model("coding", "CodebookVersion")
    summaries = dict(
        CodebookVersion.objects.filter(proposal__isnull=False).values_list("proposal_id", "summary")
    )
    for proposal in Proposal.objects.select_related("value", "into").iterator():
        proposal.value_name = proposal.value.name if proposal.value_id else ""
        proposal.into_name = proposal.into.name if proposal.into_id else ""
        if proposal.kind == "rename" and proposal.status == "accepted":
            found = RENAMED.match(summaries.get(proposal.pk, ""))
            if found:
                proposal.value_name = found["old"][:100]
        proposal.save(update_fields=["value_name", "into_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0017_project_slug_not_reserved"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="into_name",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="proposal",
            name="value_name",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.RunPython(names_when_proposed, migrations.RunPython.noop),
    ]
