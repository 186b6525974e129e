"""Sources of an import planned as interviews, their selections as excerpts (positions carried
through the text's normalisation), their notes as memos; every coding left out is counted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from pathlib import PurePosixPath
from typing import Any

from ...chunks import chunked
from ...importing.problems import plural
from ...models import (
    CodebookValue,
    CodingProgress,
    Excerpt,
    Interview,
    Participant,
    content_hash,
)
from ..offsets import normalise_with_map
from ..qde import QdeSelection, QdeSource
from ..report import (
    SAME_GUID_OTHER_TEXT,
    SKIP_DUPLICATE,
    SKIP_EMPTIED,
    SKIP_EMPTY_SELECTION,
    SKIP_IGNORED,
    SKIP_MISSING,
    SKIP_NO_CODES,
    SKIP_NO_TEXT,
    SKIP_OUTSIDE_SOURCES,
    SKIP_PRESENT,
    RefiReport,
)
from .common import (
    name_key,
    unique_name,
    unused_guids,
)


class SourcesPlan:
    """Part of `ImportPlan`: the state it uses is set up in `ImportPlan.__init__`."""

    report: RefiReport

    def _plan_sources(self) -> None:
        project_interviews = self.project.interviews.only("pk", "guid", "content_hash", "title")
        by_guid = {str(i.guid): i for i in project_interviews}
        by_hash = {i.content_hash: i for i in project_interviews}
        free_guids = unused_guids(Interview, (source.guid for source in self.doc.sources))
        self.free_selection_guids = unused_guids(
            Excerpt, (sel.guid for source in self.doc.sources for sel in source.selections)
        )
        planned: list[tuple[QdeSource, Interview, Any]] = []
        for source in self.doc.sources:
            self.counts["sources"] += 1
            self.counts["selections"] += sum(1 for s in source.selections if s.guid is not None)
            raw = self.package.texts.get(source.guid)
            if raw is None:
                self._skip_source(source, SKIP_MISSING)
                self.counts["sources_missing"] += 1
                continue
            text, offsets = normalise_with_map(raw)
            if not text:
                self.report.warnings.append(f"Source '{source.name}' has no text; skipped.")
                self._skip_source(source, SKIP_NO_TEXT)
                continue
            digest = content_hash(text)
            # Matched on the text itself: an interview of the same GUID whose text has changed
            # since (redacted here, say) would put the codings on the wrong characters.
            interview = by_hash.get(digest)
            if interview is None:
                if source.guid in by_guid:
                    self.report.warnings.append(
                        SAME_GUID_OTHER_TEXT.format(
                            source=source.name, interview=by_guid[source.guid].title
                        )
                    )
                interview = self._new_interview(source, text, free_guids)
                by_hash[digest] = interview
            elif interview.pk is not None:
                self.counts["interviews_matched"] += 1
            else:
                self.report.warnings.append(
                    f"Source '{source.name}' has the same text as another source of the file: "
                    "their codings go to one interview."
                )
            self.interview_of_source[source.guid] = interview
            planned.append((source, interview, offsets))
        self._load_present_excerpts([i.pk for _, i, _ in planned if i.pk is not None])
        for source, interview, offsets in planned:
            for selection in source.selections:
                self._plan_selection(source, selection, interview, offsets)

    def _new_interview(self, source: QdeSource, text: str, free_guids: set[str]) -> Interview:
        variables = {
            (self.doc.variables.get(g, "") or g).casefold(): v for g, v in source.variables.items()
        }
        participant = self.case_of_source.get(source.guid)
        if participant is None:
            stem = PurePosixPath(source.name).stem.strip() or source.name.strip() or "Source"
            participant = self.pseudonyms.get(name_key(stem))
            if participant is None:
                participant = Participant(
                    project=self.project, pseudonym=unique_name(stem, self.taken_pseudonyms, 100)
                )
                self.pseudonyms[name_key(participant.pseudonym)] = participant
                self.new_participants.append(participant)
                self.counts["participants_from_sources"] += 1
        interview = Interview(
            project=self.project,
            participant=participant,
            title=source.name[:255],
            interviewer=variables.get("interviewer", "")[:100],
            text=text,
        )
        mode = variables.get("mode", "")
        if mode in Interview.Mode.values:
            interview.mode = mode
        with contextlib.suppress(ValueError):
            interview.date = dt.date.fromisoformat(variables.get("date", "")[:10])
        if source.guid in free_guids:
            interview.guid = uuid.UUID(source.guid)
        interview.refresh_derived_fields()
        self.new_interviews.append(interview)
        self.counts["interviews_created"] += 1
        return interview

    def _load_present_excerpts(self, interview_ids: list[int]) -> None:
        self.present: set[tuple[Any, ...]] = set()
        for chunk in chunked(interview_ids):
            rows = Excerpt.objects.filter(interview_id__in=chunk).values_list(
                "interview_id", "coder_id", "start", "end"
            )
            self.present.update(rows)

    def _skip_source(self, source: QdeSource, reason: str) -> None:
        for selection in source.selections:
            if selection.guid is not None:
                self.selections_skipped[reason] += 1
            self.codings_skipped[reason] += len(selection.codings)

    def _plan_selection(
        self, source: QdeSource, selection: QdeSelection, interview: Interview, offsets: Any
    ) -> None:
        real = selection.guid is not None
        if selection.start is None or selection.end is None:
            start, end = 0, len(interview.text)
        elif selection.start == selection.end:
            self.selections_skipped[SKIP_EMPTY_SELECTION] += 1
            self.codings_skipped[SKIP_EMPTY_SELECTION] += len(selection.codings)
            return
        else:
            start, end = offsets.start(selection.start), offsets.end(selection.end)
        if end <= start:
            self.selections_skipped[SKIP_EMPTIED] += real
            self.codings_skipped[SKIP_EMPTIED] += len(selection.codings)
            return
        groups: dict[int, tuple[Any, list[Any]]] = {}
        for coding in selection.codings:
            coder = self._coder(coding.user or selection.user or source.user)
            groups.setdefault(id(coder), (coder, []))[1].append(coding)
        if not groups:
            self.selections_skipped[SKIP_NO_CODES] += real
            return
        note = self._excerpt_note(selection)
        made = 0
        for coder, codings in groups.values():
            if coder.pk is not None and (interview.pk, coder.pk, start, end) in self.present:
                self.codings_skipped[SKIP_PRESENT] += len(codings)
                continue
            values: list[CodebookValue] = []
            for coding in codings:
                value = self.code_target[coding.code]
                if value is None:
                    self.codings_skipped[SKIP_IGNORED] += 1
                elif any(value is v for v in values):
                    self.codings_skipped[SKIP_DUPLICATE] += 1
                else:
                    values.append(value)
            if not values:
                continue
            # The selection's GUID goes to its first excerpt, if no excerpt here has it yet.
            if selection.guid in self.free_selection_guids:
                self.free_selection_guids.discard(selection.guid)
                excerpt_guid = uuid.UUID(selection.guid)
            else:
                excerpt_guid = uuid.uuid4()
            excerpt = Excerpt(
                guid=excerpt_guid,
                interview=interview,
                coder=coder,
                start=start,
                end=end,
                text=interview.text[start:end],
                note=note,
            )
            self.excerpts.append(excerpt)
            self.excerpt_values.extend((excerpt, value) for value in values)
            self.counts["codings_imported"] += len(values)
            self.counts["excerpt_notes"] += bool(note)
            made += 1
        if not made:
            all_present = all(
                c.pk is not None and (interview.pk, c.pk, start, end) in self.present
                for c, _ in groups.values()
            )
            self.selections_skipped[SKIP_PRESENT if all_present else SKIP_NO_CODES] += real
        self.counts["excerpts_created"] += made

    def _excerpt_note(self, selection: QdeSelection) -> str:
        parts = [selection.description.strip()]
        for guid in selection.notes:
            note = self.doc.notes.get(guid)
            if note is not None:
                self.used_notes.add(guid)
                parts.append(note.text.strip())
        unique = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
        return "\n\n".join(unique)

    def _plan_memos(self) -> None:
        existing = {
            (p.interview_id, p.coder_id): p
            for p in CodingProgress.objects.filter(interview__project=self.project)
        }
        for source in self.doc.sources:
            interview = self.interview_of_source.get(source.guid)
            for guid in source.notes:
                note = self.doc.notes.get(guid)
                if note is None or interview is None or not note.text.strip():
                    continue
                self.used_notes.add(guid)
                coder = self._coder(note.user or source.user)
                text = note.text.strip()
                progress = (
                    existing.get((interview.pk, coder.pk)) if interview.pk and coder.pk else None
                )
                if progress is not None:
                    if text not in progress.memo:
                        progress.memo = f"{progress.memo}\n\n{text}".strip()
                        self.changed_progress.append(progress)
                        self.counts["memos"] += 1
                    continue
                key = (id(interview), id(coder))
                if key in self.new_progress:
                    self.new_progress[key].memo += f"\n\n{text}"
                else:
                    self.new_progress[key] = CodingProgress(
                        interview=interview, coder=coder, memo=text
                    )
                self.counts["memos"] += 1
        unused = [n.name or n.guid for g, n in self.doc.notes.items() if g not in self.used_notes]
        if unused:
            self.report.warnings.append(
                f"{plural(len(unused), 'note')} that "
                f"{'belongs' if len(unused) == 1 else 'belong'} to no interview or excerpt "
                f"{'was' if len(unused) == 1 else 'were'} not imported: " + "; ".join(unused) + "."
            )

    def _count_skipped_kinds(self) -> None:
        self.counts["non_text_selections"] = sum(self.doc.skipped_selections.values())
        for kind, n in self.doc.skipped_codings.items():
            if n:
                self.codings_skipped[f"not a text selection ({kind})"] += n
        for kind, n in self.doc.skipped_sources.items():
            self.report.warnings.append(
                f"{plural(n, f'{kind} source')} skipped: only texts are imported."
            )
        accounted = self.counts["codings_imported"] + sum(self.codings_skipped.values())
        if self.doc.coding_count > accounted:
            self.codings_skipped[SKIP_OUTSIDE_SOURCES] += self.doc.coding_count - accounted
        if self.doc.sets:
            n = self.doc.sets
            self.report.warnings.append(
                f"{plural(n, 'set')} {'was' if n == 1 else 'were'} not imported."
            )
