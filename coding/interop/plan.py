"""The plan of an import: every row it will write, worked out against the database first.

`ImportPlan.build()` matches codes to values, users to accounts, cases to participants and
sources to interviews, carries each selection's positions through the text's normalisation, and
counts every coding it keeps or leaves out (with the reason). `ImportPlan.write()` then inserts
it all in one transaction. Nothing in `build()` writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from ..audit import audit_record
from ..models import (
    TEXT_COLOUR,
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Membership,
    Participant,
    ResearchProject,
    content_hash,
    contrast_ratio,
)
from ..versions import current_version, version_create
from .offsets import normalise_with_map
from .qde import Package, QdeCode, QdeSelection, QdeSource, RefiError, user_guid
from .report import (
    BAD_CHOICE,
    CREATE,
    IGNORE,
    REPORT_COUNTS,
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
    UNKNOWN_CODER,
    UNMATCHED_CHOICES,
    VALUE_NOT_VISIBLE,
    CodeRow,
    RefiReport,
)

READABLE_CONTRAST = 4.5  # what CodebookValue.clean() asks of a highlight colour
PALETTE = ["#8dd3c7", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd"]
ROLE_VARIABLE = "role"


def _chunks(items: list[Any], size: int = 900) -> Iterable[list[Any]]:
    # SQLite caps the parameters of one query: look long lists up in slices.
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing(model: Any, field_name: str, values: Iterable[Any]) -> set[Any]:
    values = list(values)
    found: set[Any] = set()
    for chunk in _chunks(values):
        found.update(
            model.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True)
        )
    return found


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _colour(value: str, index: int) -> str:
    """The code's colour as #rrggbb (a palette colour when it has none)."""
    value = value.strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return value.lower()
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        return "#" + "".join(ch * 2 for ch in value[1:]).lower()
    return PALETTE[index % len(PALETTE)]


def _readable(colour: str) -> str:
    """The colour, lightened towards white until highlighted text on it stays readable."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    for step in range(21):
        mix = step / 20
        candidate = "#" + "".join(f"{round(c + (255 - c) * mix):02x}" for c in channels)
        if contrast_ratio(candidate, TEXT_COLOUR) >= READABLE_CONTRAST:
            return candidate
    return "#ffffff"


def _unique(base: str, taken: set[str], limit: int, key: Any = _key, sep: str = " ") -> str:
    """`base` cut to `limit`, or with " 2", " 3"... when it is taken; mark it taken."""
    base = base[:limit]
    candidate, n = base, 1
    while key(candidate) in taken:
        n += 1
        suffix = f"{sep}{n}"
        candidate = base[: limit - len(suffix)] + suffix
    taken.add(key(candidate))
    return candidate


def _username_of(name: str) -> str:
    """A username made of a display name: Django allows letters, digits and @.+-_ only."""
    return re.sub(r"[^\w.@+-]", "", "-".join(name.split()))[:150]


def _free_guids(model: Any, guids: Iterable[str | None]) -> set[str]:
    """The well-formed GUIDs of `guids` that no row of `model` has yet."""
    wanted = {g for g in guids if g and _as_uuid(g)}
    taken = {str(g) for g in _existing(model, "guid", [uuid.UUID(g) for g in wanted])}
    return wanted - taken


class ImportPlan:
    """Everything an import will write, worked out before any of it is."""

    def __init__(
        self,
        package: Package,
        filename: str,
        project: ResearchProject,
        actor: Any,
        mapping: dict[str, str],
        unmatched: str,
        dry_run: bool,
    ) -> None:
        if unmatched not in UNMATCHED_CHOICES:
            raise RefiError(f"Unmatched codes can be created or ignored, not {unmatched!r}.")
        self.package = package
        self.doc = package.document
        self.project = project
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.mapping = mapping
        self.unmatched = unmatched
        self.report = RefiReport(
            filename=filename,
            kind=self.doc.kind,
            origin=self.doc.origin,
            project=project.name,
            dry_run=dry_run,
            missing_sources=list(package.missing),
            unreadable_sources=list(package.unreadable),
        )
        self.codings_skipped: Counter[str] = Counter()
        self.selections_skipped: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        # Rows to write.
        self.new_values: list[CodebookValue] = []
        self.new_users: list[Any] = []
        self.new_participants: list[Participant] = []
        self.new_interviews: list[Interview] = []
        self.excerpts: list[Excerpt] = []
        self.excerpt_values: list[tuple[Excerpt, Any]] = []
        self.interview_of_source: dict[str, Interview] = {}
        self.used_notes: set[str] = set()
        self.new_progress: dict[tuple[int, Any], CodingProgress] = {}
        self.changed_progress: list[CodingProgress] = []

    # -- planning --

    def build(self) -> None:
        self._plan_codes()
        if self.doc.kind == "project":
            self._load_users()
            self._plan_cases()
            self._plan_sources()
            self._plan_memos()
            self._count_skipped_kinds()
        self._check_rows()
        self._finish_report()

    def _check_rows(self) -> None:
        """Run the models' own field checks on every new row that is not an excerpt.

        Excerpts are built from the interview text between their offsets, so they hold by
        construction; foreign keys are left out because the rows they point at are unsaved.
        """
        errors: list[str] = []
        rows: list[tuple[Any, list[str], str]] = [
            *((v, ["project", "parent"], f"Value '{v.name}'") for v in self.new_values),
            *((u, ["password"], f"Coder '{u.username}'") for u in self.new_users),
            *((p, ["project"], f"Case '{p.pseudonym}'") for p in self.new_participants),
            *(
                (i, ["project", "participant", "import_batch"], f"Source '{i.title}'")
                for i in self.new_interviews
            ),
        ]
        for row, exclude, label in rows:
            try:
                row.clean_fields(exclude=exclude)
                row.clean()
            except ValidationError as exc:
                errors.append(f"{label} cannot be saved: {' '.join(exc.messages)}")
        if errors:
            raise RefiError(errors)

    def _plan_codes(self) -> None:
        # The framework first, so that a project's own value of the same name wins.
        visible = sorted(
            CodebookValue.objects.for_project(self.project), key=lambda v: v.project_id is not None
        )
        self.visible = {value.pk: value for value in visible}
        by_guid = {str(value.guid): value for value in visible}
        by_name = {_key(value.name): value for value in visible}
        names = {_key(value.name) for value in visible}
        slugs = {value.slug for value in visible}
        free_guids = _free_guids(CodebookValue, (code.guid for code in self.doc.codes))
        order = max((value.order for value in visible), default=0)
        usage = self._code_usage()
        self.code_target: dict[str, CodebookValue | None] = {}
        codes_by_guid = {code.guid: code for code in self.doc.codes}
        for index, code in enumerate(self.doc.codes):
            match = by_guid.get(code.guid) or by_name.get(_key(code.name))
            default = f"value:{match.pk}" if match else self.unmatched
            choice = self.mapping.get(code.guid, default)
            target: CodebookValue | None
            if choice == IGNORE:
                target = None
                self.counts["codes_ignored"] += 1
            elif choice == CREATE:
                order += 1
                target = self._new_value(code, codes_by_guid, names, slugs, order, index)
                target.guid = uuid.UUID(code.guid) if code.guid in free_guids else uuid.uuid4()
                self.counts["codes_created"] += 1
            elif choice.startswith("value:") and choice[6:].isdigit():
                target = self.visible.get(int(choice[6:]))
                if target is None:
                    raise RefiError(VALUE_NOT_VISIBLE.format(code=code.name))
                self.counts["codes_matched"] += 1
            else:
                raise RefiError(BAD_CHOICE.format(code=code.name, choice=choice))
            self.code_target[code.guid] = target
            self.report.codes.append(
                CodeRow(
                    guid=code.guid,
                    name=code.name,
                    path=" › ".join(code.path),
                    description=code.description,
                    color=_colour(code.color, index),
                    codings=usage[code.guid],
                    matched_id=match.pk if match else None,
                    matched_name=match.name if match else "",
                    choice=choice,
                )
            )
        # Parents once every code has its target: the nearest ancestor that is not ignored.
        for code in self.doc.codes:
            target = self.code_target[code.guid]
            if target is None or target.pk is not None:
                continue
            parent = code.parent
            while parent and self.code_target.get(parent) is None:
                parent = codes_by_guid[parent].parent
            if parent:
                target.parent = self.code_target[parent]

    def _new_value(
        self,
        code: QdeCode,
        codes_by_guid: dict[str, QdeCode],
        names: set[str],
        slugs: set[str],
        order: int,
        index: int,
    ) -> CodebookValue:
        colour = _readable(_colour(code.color, index))
        self.counts["colours_lightened"] += colour != _colour(code.color, index)
        base = code.name.strip() or "Unnamed code"
        if _key(base) in names and code.parent:
            base = f"{base} ({codes_by_guid[code.parent].name.strip()})"
        name = _unique(base, names, 100)
        slug = _unique(slugify(name)[:60].strip("-") or "value", slugs, 60, key=str, sep="-")
        value = CodebookValue(
            project=self.project,
            name=name,
            slug=slug,
            definition=code.description.strip(),
            colour=colour,
            order=order,
        )
        self.new_values.append(value)
        return value

    def _code_usage(self) -> Counter[str]:
        usage: Counter[str] = Counter()
        for source in self.doc.sources:
            if source.guid in self.package.texts:
                for selection in source.selections:
                    usage.update(coding.code for coding in selection.codings)
        return usage

    def _load_users(self) -> None:
        users = list(get_user_model().objects.only("pk", "username"))
        self.users_by_guid = {user_guid(user.username): user for user in users}
        self.users_by_name = {user.username.casefold(): user for user in users}
        self.usernames = {user.username.casefold() for user in users}
        self.resolved_users: dict[str | None, Any] = {}

    def _coder(self, guid: str | None) -> Any:
        """The account of the user with this GUID: an existing one, or a new inactive one."""
        if guid in self.resolved_users:
            return self.resolved_users[guid]
        name = self.doc.users.get(guid, "") if guid else ""
        user = (
            self.users_by_guid.get(guid or "")
            or self.users_by_name.get(name.casefold())
            or self.users_by_name.get(_username_of(name).casefold())
        )
        if user is None and not guid:
            user = self.actor or self.users_by_name.get(UNKNOWN_CODER)
            name = UNKNOWN_CODER
        if user is None and guid and guid not in self.doc.users:
            self.report.warnings.append(
                f"User {guid} codes in the file but is not among its users; "
                "an inactive account was made for them."
            )
        if user is None:
            user = self._new_user(name, guid)
        else:
            self.counts["coders_matched"] += 1
        self.resolved_users[guid] = user
        return user

    def _new_user(self, name: str, guid: str | None) -> Any:
        base = _username_of(name) or f"refi-user-{(guid or 'unknown')[:8]}"
        username = _unique(base, self.usernames, 150, key=str.casefold, sep="-")
        words = name.split()
        user = get_user_model()(
            username=username,
            first_name=" ".join(words[:-1] or words)[:150],
            last_name=(words[-1] if len(words) > 1 else "")[:150],
            is_active=False,
        )
        user.set_unusable_password()
        self.users_by_name[username.casefold()] = user
        self.new_users.append(user)
        self.counts["coders_created"] += 1
        self.report.created_coders.append(username)
        return user

    def _plan_cases(self) -> None:
        existing = list(self.project.participants.all())
        by_guid = {str(p.guid): p for p in existing}
        self.pseudonyms = {_key(p.pseudonym): p for p in existing}
        self.taken_pseudonyms = set(self.pseudonyms)
        free_guids = _free_guids(Participant, (case.guid for case in self.doc.cases))
        roles = {value for value, _ in Participant.Role.choices}
        labels = {label.casefold(): value for value, label in Participant.Role.choices}
        self.case_of_source: dict[str, Participant] = {}
        for case in self.doc.cases:
            participant = by_guid.get(case.guid) or self.pseudonyms.get(_key(case.name))
            if participant is not None:
                self.counts["participants_matched"] += 1
            else:
                attributes: dict[str, str] = {}
                role = Participant.Role.PARTICIPANT.value
                for variable, value in case.variables.items():
                    name = self.doc.variables.get(variable, "") or variable
                    if name.casefold() == ROLE_VARIABLE and (
                        value in roles or value.casefold() in labels
                    ):
                        role = value if value in roles else labels[value.casefold()]
                    else:
                        attributes[name] = value
                participant = Participant(
                    project=self.project,
                    pseudonym=_unique(case.name.strip() or "Case", self.taken_pseudonyms, 100),
                    role=role,
                    attributes=attributes,
                )
                if case.guid in free_guids:
                    participant.guid = uuid.UUID(case.guid)
                self.pseudonyms[_key(participant.pseudonym)] = participant
                self.new_participants.append(participant)
                self.counts["participants_created"] += 1
            for source in case.sources:
                if source in self.case_of_source:
                    self.report.warnings.append(
                        f"Source {source} belongs to several cases; its interview is with "
                        f"{self.case_of_source[source].pseudonym}."
                    )
                else:
                    self.case_of_source[source] = participant

    def _plan_sources(self) -> None:
        project_interviews = self.project.interviews.only("pk", "guid", "content_hash", "title")
        by_guid = {str(i.guid): i for i in project_interviews}
        by_hash = {i.content_hash: i for i in project_interviews}
        free_guids = _free_guids(Interview, (source.guid for source in self.doc.sources))
        self.free_selection_guids = _free_guids(
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
            participant = self.pseudonyms.get(_key(stem))
            if participant is None:
                participant = Participant(
                    project=self.project, pseudonym=_unique(stem, self.taken_pseudonyms, 100)
                )
                self.pseudonyms[_key(participant.pseudonym)] = participant
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
        for chunk in _chunks(interview_ids):
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
                f"{len(unused)} notes that belong to no interview or excerpt were not imported: "
                + "; ".join(unused)
                + "."
            )

    def _count_skipped_kinds(self) -> None:
        self.counts["non_text_selections"] = sum(self.doc.skipped_selections.values())
        for kind, n in self.doc.skipped_codings.items():
            if n:
                self.codings_skipped[f"not a text selection ({kind})"] += n
        for kind, n in self.doc.skipped_sources.items():
            self.report.warnings.append(f"{n} {kind} sources skipped: only texts are imported.")
        accounted = self.counts["codings_imported"] + sum(self.codings_skipped.values())
        if self.doc.coding_count > accounted:
            self.codings_skipped[SKIP_OUTSIDE_SOURCES] += self.doc.coding_count - accounted
        if self.doc.sets:
            self.report.warnings.append(f"{self.doc.sets} sets were not imported.")

    def _finish_report(self) -> None:
        counts = self.counts
        counts["codes"] = len(self.doc.codes)
        counts["codings"] = self.doc.coding_count
        counts["cases"] = len(self.doc.cases)
        counts["sources_unreadable"] = len(self.package.unreadable)
        self.report.counts = {key: counts[key] for key in REPORT_COUNTS}
        self.report.codings_skipped = {k: v for k, v in self.codings_skipped.items() if v}
        self.report.selections_skipped = {k: v for k, v in self.selections_skipped.items() if v}
        if counts["colours_lightened"]:
            self.report.warnings.append(
                f"{counts['colours_lightened']} code colours were lightened so that text "
                "highlighted with them stays readable."
            )
        if counts["participants_from_sources"]:
            self.report.warnings.append(
                f"{counts['participants_from_sources']} sources belong to no case: a participant "
                "named after each source was made. Rename them if a name identifies anyone."
            )

    # -- writing --

    @transaction.atomic
    def write(self) -> None:
        get_user_model().objects.bulk_create(self.new_users)
        Membership.objects.bulk_create(
            Membership(user=user, project=self.project, role=Membership.Role.PEER_RESEARCHER)
            for user in self.new_users
        )
        version = current_version(self.project)  # the codebook before the import
        self._write_values()
        if self.new_values:  # new codes open a new version of the project's codebook
            version = version_create(
                project=self.project,
                actor=self.actor,
                summary=f"Imported {len(self.new_values)} new code(s) from {self.report.filename}",
                reason="A REFI-QDA import brought codes the codebook did not have.",
            )
        Participant.objects.bulk_create(self.new_participants)
        batch = None
        if self.new_interviews:
            batch = ImportBatch.objects.create(
                created_by=self.actor,
                source_name=self.report.filename[:255],
                interview_count=len(self.new_interviews),
                skipped_count=self.counts["sources_missing"],
                warning_count=len(self.report.warnings),
            )
        for interview in self.new_interviews:
            interview.import_batch = batch
        Interview.objects.bulk_create(self.new_interviews, batch_size=200)
        if batch is not None:
            batch.report = self._batch_report()
            batch.save(update_fields=["report"])
        Excerpt.objects.bulk_create(self.excerpts, batch_size=1000)
        ExcerptValue.objects.bulk_create(
            (ExcerptValue(excerpt=e, value=v, version=version) for e, v in self.excerpt_values),
            batch_size=2000,
        )
        CodingProgress.objects.bulk_create(self.new_progress.values())
        CodingProgress.objects.bulk_update(self.changed_progress, ["memo"])
        audit_record(
            actor=self.actor,
            action=AuditEvent.Action.IMPORT,
            model="refi-qda",
            object_id=batch.pk if batch else "",
            object_repr=self.report.filename,
            project_id=self.project.pk,
            after={"counts": self.report.counts, "codings_skipped": self.report.codings_skipped},
        )

    def _write_values(self) -> None:
        # Parents before children: a value can only point at a saved parent.
        pending = list(self.new_values)
        while pending:
            ready = [v for v in pending if v.parent is None or v.parent.pk is not None]
            if not ready:  # pragma: no cover - parents always come before their children
                raise RefiError("The codebook's hierarchy has a cycle.")
            CodebookValue.objects.bulk_create(ready)
            pending = [v for v in pending if v.pk is None]

    def _batch_report(self) -> dict[str, Any]:
        """The import batch's report, in the form the batch import pages show and roll back."""
        new_participants = {id(p) for p in self.new_participants}
        rows = [
            {
                "row": i,
                "file": interview.title,
                "title": interview.title,
                "project": self.project.slug,
                "project_name": self.project.name,
                "participant": interview.participant.pseudonym,
                "participant_new": id(interview.participant) in new_participants,
                "date": interview.date.isoformat() if interview.date else "",
                "interviewer": interview.interviewer,
                "mode": interview.mode,
                "mode_label": Interview.Mode(interview.mode).label,
                "words": interview.word_count,
                "redactions": 0,
                "status": "created",
                "status_label": "Created",
                "warnings": [],
                "errors": [],
                "interview_id": interview.pk,
            }
            for i, interview in enumerate(self.new_interviews, start=1)
        ]
        return {
            "refi": self.report.summary(),
            "rows": rows,
            "problems": [{"level": "warning", "message": w} for w in self.report.warnings],
            "participants_created": [p.pk for p in self.new_participants],
        }
