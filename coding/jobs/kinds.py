"""What each kind of job does: thin wrappers that call the services other modules own.

Each handler takes the Job (its params say what to do) and a Progress to report counts, and
returns an Outcome (a file and/or a page) or raises JobError with a sentence for people.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from ..analysis import disclosure
from ..analysis.compare_forms import ComparisonForm
from ..analysis.exports import (
    CSV,
    about_rows,
    csv_lines,
    excerpt_export,
    xlsx_file,
)
from ..analysis.queries import kept_tags
from ..analysis.tallies import tallies_refresh
from ..importing import batch_import
from ..interop.qde import RefiError
from ..interop.refi_export import refi_export
from ..interop.refi_import import refi_import
from ..models import Interview, ResearchProject, TallyQueue
from ..services.excerpts import idempotency_keys_purge
from ..uploads import BATCH, REFI, Stashed, stash_discard, stashed_upload, unseal, uploads_purge
from .models import Job
from .runner import Outcome, Progress, handler
from .services import JobError, job_secret, jobs_clean_up, jobs_fail_stale

PROGRESS_EVERY = 1000  # rows between progress updates (each is a memory write, not a query)
RECOUNT_CHUNK = 200


def counted(rows: Iterable[Any], progress: Progress) -> Iterator[Any]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
    progress(done)


def _scratch(suffix: str) -> Path:
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115
    handle.close()
    return Path(handle.name)


@handler(Job.Kind.EXPORT)
def export_run(job: Job, progress: Progress) -> Outcome:
    """Write a large excerpts export to a file, as the comparison page would have streamed it."""

    params = job.params
    form = ComparisonForm(QueryDict(params.get("query", "")) or None, user=job.owner)
    filters = form.filters()
    progress(0, kept_tags(filters).count(), "rows written")
    # The same file the page would stream to this reader: disclosure control for evaluators.
    header, rows, _ = excerpt_export(
        filters,
        masked_project_ids=disclosure.masked_projects(job.owner, filters.project_ids),
        threshold=disclosure.threshold(),
        reader=job.owner,
    )
    rows = counted(rows, progress)
    path = _scratch(f".{params['fmt']}")
    if params["fmt"] == CSV:
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(csv_lines(header, rows))
    else:
        sheets = [
            ("Excerpts", header, rows),
            ("About", ["item", "detail"], about_rows(filters, "excerpts")),
        ]
        with xlsx_file(sheets) as made, path.open("wb") as out:
            out.write(made.read())
    return Outcome(file_name=job.title, path=path)


@handler(Job.Kind.BACKUP)
def backup_run(job: Job, progress: Progress) -> Outcome:
    """The restorable .json.gz backup of backup_data, kept as the job's file."""
    progress(0, 1, "backup written")
    folder = Path(tempfile.mkdtemp(prefix="pv-backup-"))
    name = f"peervalues-{timezone.localtime():%Y-%m-%d-%H%M}.json.gz"
    call_command("backup_data", str(folder / name), stdout=_Quiet(), stderr=_Quiet())
    progress(1)
    return Outcome(file_name=name, path=folder / name)


class _Quiet:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


@handler(Job.Kind.TALLY_RECOUNT)
def tally_recount_run(job: Job, progress: Progress) -> None:
    """Recount every interview's tallies, a chunk at a time (each chunk its own transaction)."""

    ids = list(Interview.objects.order_by("pk").values_list("pk", flat=True))
    progress(0, len(ids), "interviews recounted")
    for start in range(0, len(ids), RECOUNT_CHUNK):
        chunk = ids[start : start + RECOUNT_CHUNK]
        TallyQueue.objects.bulk_create(
            [TallyQueue(interview_id=pk) for pk in chunk], ignore_conflicts=True
        )
        tallies_refresh()
        progress(start + len(chunk))


@handler(Job.Kind.CLEAN_UP)
def clean_up_run(job: Job, progress: Progress) -> None:
    """Fail jobs whose worker died, delete expired job files and forgotten uploads, and forget
    old idempotency keys of excerpt saves."""
    jobs_fail_stale()
    removed = jobs_clean_up()
    progress(removed, removed, "files removed")
    uploads_purge()  # uploads left between preview and confirm expire too
    idempotency_keys_purge()


@handler(Job.Kind.REFI_EXPORT)
def refi_export_run(job: Job, progress: Progress) -> Outcome:
    """A .qdpx of one project (or all), written to a file that waits for its download."""
    slug = job.params.get("slug")
    projects = [ResearchProject.objects.get(slug=slug)] if slug else None
    progress(0, 1, "project files written")
    path = _scratch(".qdpx")
    with path.open("w+b") as out:
        summary = refi_export(projects=projects, out=out, actor=job.owner)
    progress(1)
    return Outcome(file_name=summary.filename, path=path)


REFI_UPLOAD_GONE = "The uploaded file has expired or was already imported. Upload it again."


@handler(Job.Kind.REFI_IMPORT)
def refi_import_run(job: Job, progress: Progress) -> Outcome:
    """Import a stashed .qdpx or .qdc with the mapping chosen on its page, in one transaction."""
    stashed = stashed_upload(job.params["token"], user_id=job.owner_id, kind=REFI)
    if stashed is None:
        raise JobError(REFI_UPLOAD_GONE)
    project = ResearchProject.objects.get(pk=stashed.meta["project"])
    progress(0, 1, "files imported")
    try:
        with stashed.open() as handle:
            report = refi_import(
                file=handle,
                filename=stashed.source_name,
                project=project,
                actor=job.owner,
                mapping=stashed.meta["mapping"],
                unmatched=stashed.meta.get("unmatched", "create"),
                dry_run=False,
            )
    except RefiError as exc:
        raise JobError(" ".join(exc.messages)) from exc
    stash_discard(stashed.token)
    progress(1)
    # The summary page reads these figures from the job (any server, any time later).
    Job.objects.filter(pk=job.pk).update(params={**job.params, "summary": report.summary()})
    return Outcome(result_url=f"{reverse('refi_done')}?job={job.pk}")


IMPORT_UPLOAD_GONE = "The uploaded batch has expired or was already imported. Upload it again."
IMPORT_KEY_GONE = (
    "This import can no longer read the names to remove: they are kept only while your session "
    "lasts. Upload the batch again."
)
IMPORT_CHANGED = (
    "The batch was checked again and cannot be imported as it is. Open the preview to see the "
    "problems."
)


def _stashed_batch(job: Job) -> Stashed:
    staged = stashed_upload(job.params["token"], user_id=job.owner_id, kind=BATCH)
    if staged is None:
        raise JobError(IMPORT_UPLOAD_GONE)
    return staged


def _import(job: Job, progress: Progress, staged: Stashed, *, dry_run: bool) -> Any:
    names = unseal(staged.meta["names_sealed"], job_secret(job) or "")
    if names is None:
        raise JobError(IMPORT_KEY_GONE)
    choices = job.params.get("participant_choices") or {}
    progress(0, None, "transcripts read")
    with staged.local_path() as path:
        return batch_import(
            path=path,
            user=None if dry_run else job.owner,
            source_name=staged.source_name,
            names=names,
            dry_run=dry_run,
            skip_invalid=job.params["skip_invalid"],
            participant_choices={int(row): choice for row, choice in choices.items()},
            progress=lambda done, total: progress(done, total),
        )


@handler(Job.Kind.IMPORT_PREVIEW)
def import_preview_run(job: Job, progress: Progress) -> Outcome:
    """Read and check the whole batch without writing; the preview page shows the report."""
    staged = _stashed_batch(job)
    report = _import(job, progress, staged, dry_run=True)
    staged.meta["report"] = report.as_dict()
    staged.save()
    return Outcome(result_url=reverse("import_preview", args=[staged.token]))


@handler(Job.Kind.IMPORT_CONFIRM)
def import_confirm_run(job: Job, progress: Progress) -> Outcome:
    """Check the batch again and write it in one transaction (all of it or nothing)."""
    staged = _stashed_batch(job)
    report = _import(job, progress, staged, dry_run=False)
    if report.batch is None:
        staged.meta.update(skip_invalid=job.params["skip_invalid"], report=report.as_dict())
        staged.save()
        preview = reverse("import_preview", args=[staged.token])
        Job.objects.filter(pk=job.pk).update(result_url=preview)
        raise JobError(IMPORT_CHANGED)
    # Only now does the upload go: a failed or interrupted import can be tried again.
    stash_discard(staged.token)
    return Outcome(result_url=reverse("import_detail", args=[report.batch.pk]))
