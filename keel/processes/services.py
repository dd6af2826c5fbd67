"""Writes of the process area: intended process models (each change a new version),
improvement initiatives, imported logs. Each service runs in one transaction and writes
its operations event and audit record there; imports run as background tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core import clock
from keel.core.errors import Conflict, FieldProblem, ProblemCollector, ValidationFailed
from keel.events.services import ObjectRef, record_event
from keel.organization.models import Person
from keel.processes import flows, imports, tasks
from keel.processes.choices import (
    NEEDS_ACTIVITY,
    NEEDS_MODEL,
    ImportFormat,
    ImportStatus,
    InitiativeStatus,
    Measure,
    ProcessKind,
)
from keel.processes.measures import case_log, measure_value
from keel.processes.models import ImportedLog, Initiative, ProcessModel, ProcessModelVersion

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


def _process_problems(problems: ProblemCollector, process: str, imported_log: ImportedLog | None) -> None:
    if process not in ProcessKind.values:
        problems.add("process", f"{process!r} is not one of {', '.join(ProcessKind.values)}")
    elif process == ProcessKind.IMPORTED:
        if imported_log is None:
            problems.add("imported_log", "choose the imported log")
        elif imported_log.status != ImportStatus.SUCCEEDED:
            problems.add("imported_log", "this log has not finished importing")
    elif imported_log is not None:
        problems.add("imported_log", "only an imported process has an imported log")


def _version_event(actor: Any, model: ProcessModel, version: ProcessModelVersion, activity: str) -> None:
    record_event(activity=activity, objects=[ObjectRef("process_model", str(model.pk), "model")], actor=actor,
                 attributes={"name": model.name, "process": model.process, "version": version.number,
                             "steps": len(version.steps), "source": version.source})


@transaction.atomic
def create_process_model(*, actor: Any, name: str, process: str, steps: list[dict[str, Any]],
                         imported_log: ImportedLog | None = None, description: str = "",
                         source: str = "drawn") -> ProcessModel:
    """A new intended process with its first version."""
    problems = ProblemCollector()
    name = name.strip()
    if not name:
        problems.add("name", "a process model needs a name")
    elif len(name) > 200:
        problems.add("name", "at most 200 characters")
    elif ProcessModel.objects.filter(name__iexact=name).exists():
        problems.add("name", f"a process model named {name!r} exists")
    _process_problems(problems, process, imported_log)
    cleaned = flows.clean_steps(steps, problems)
    problems.raise_if_any("The process model was not saved.")
    moment = clock.now()
    model = ProcessModel.objects.create(name=name, process=process, imported_log=imported_log,
                                        description=description.strip(), created_at=moment, updated_at=moment)
    version = ProcessModelVersion.objects.create(model=model, number=1, steps=cleaned, source=source[:200],
                                                 created_by=_person(actor), created_at=moment)
    model.current = version
    model.save(update_fields=["current"])
    _version_event(actor, model, version, "Create process model")
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="process_model", object_id=model.pk,
                 object_repr=model.name, after={"process": process, "steps": cleaned, "version": 1},
                 message=f"Created process model {model.name} ({len(cleaned)} steps)")
    return model


@transaction.atomic
def change_process_model(*, actor: Any, model: ProcessModel, steps: list[dict[str, Any]], note: str = "",
                         description: str | None = None, source: str = "drawn") -> ProcessModelVersion:
    """Save new steps as the model's next version (earlier versions are kept)."""
    locked = ProcessModel.objects.select_for_update().get(pk=model.pk)
    cleaned = flows.clean_steps(steps)
    before = list(locked.current.steps) if locked.current else []
    number = (locked.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    moment = clock.now()
    version = ProcessModelVersion.objects.create(model=locked, number=number, steps=cleaned, source=source[:200],
                                                 note=note.strip()[:300], created_by=_person(actor), created_at=moment)
    locked.current = version
    locked.updated_at = moment
    fields = ["current", "updated_at"]
    if description is not None:
        locked.description = description.strip()
        fields.append("description")
    locked.save(update_fields=fields)
    _version_event(actor, locked, version, "Change process model")
    record_audit(actor=actor, action=AuditAction.CHANGE, object_type="process_model", object_id=locked.pk,
                 object_repr=locked.name, before={"steps": before, "version": number - 1},
                 after={"steps": cleaned, "version": number},
                 message=f"Process model {locked.name}: version {number}" + (f" ({note.strip()})" if note.strip() else ""))
    model.refresh_from_db()
    return version


def keel_workflow_steps(process: str) -> list[dict[str, Any]]:
    """The intended steps of one of Keel's own processes, from its services' workflow."""
    if process not in flows.KEEL_WORKFLOWS:
        raise ValidationFailed("There is no built-in workflow for this process.",
                               problems=[FieldProblem(field="process", message="sales_order or purchase_order")])
    return [dict(step) for step in flows.KEEL_WORKFLOWS[process]]


def _person(actor: Any) -> Person | None:
    person = getattr(actor, "person", actor)
    return person if isinstance(person, Person) else None


# --- Initiatives ----------------------------------------------------------------------


def _initiative_problems(problems: ProblemCollector, *, measure: str, activity: str,
                         process_model: ProcessModel | None, process: str, imported_log: ImportedLog | None) -> None:
    if measure not in Measure.values:
        problems.add("measure", f"{measure!r} is not one of {', '.join(Measure.values)}")
    if measure in NEEDS_ACTIVITY and not activity.strip():
        problems.add("activity", "this measure needs the activity it waits for")
    if measure in NEEDS_MODEL:
        if process_model is None:
            problems.add("process_model", "conformance fitness needs an intended process model")
        elif process_model.process != process or process_model.imported_log_id != getattr(imported_log, "pk", None):
            problems.add("process_model", "the model is of another process")


@transaction.atomic
def create_initiative(*, actor: Any, name: str, owner: Person | None, process: str, measure: str,
                      baseline_from: date | None, baseline_to: date | None, target_value: float | None,
                      change_on: date | None, activity: str = "", imported_log: ImportedLog | None = None,
                      process_model: ProcessModel | None = None, description: str = "",
                      status: str = InitiativeStatus.PLANNED) -> Initiative:
    """Start an initiative; its baseline is measured now, over the baseline period, from
    the data the owner's organisation can see (the creator's scope)."""
    problems = ProblemCollector()
    name = name.strip()
    if not name:
        problems.add("name", "an initiative needs a name")
    if owner is None:
        problems.add("owner", "choose the person who owns the initiative")
    _process_problems(problems, process, imported_log)
    _initiative_problems(problems, measure=measure, activity=activity, process_model=process_model,
                         process=process, imported_log=imported_log)
    if baseline_from is None:
        problems.add("baseline_from", "the first day of the baseline period")
    if baseline_to is None:
        problems.add("baseline_to", "the last day of the baseline period")
    if baseline_from and baseline_to and baseline_from > baseline_to:
        problems.add("baseline_to", "must not be before the first day of the baseline")
    if change_on is None:
        problems.add("change_on", "the date the change takes effect")
    elif baseline_to and change_on <= baseline_to:
        problems.add("change_on", "must be after the baseline period")
    if target_value is None:
        problems.add("target_value", "the value the measure should reach")
    if status not in InitiativeStatus.values:
        problems.add("status", f"{status!r} is not one of {', '.join(InitiativeStatus.values)}")
    problems.raise_if_any("The initiative was not saved.")
    assert baseline_from
    assert baseline_to
    assert change_on
    assert target_value is not None
    assert owner is not None
    from keel.processes.selectors import measure_spec

    spec = measure_spec(measure=measure, activity=activity.strip(), process_model=process_model)
    log = case_log(actor=actor, process=process, imported_log=imported_log)
    baseline, cases = measure_value(log, spec, start=baseline_from, end=baseline_to)
    if baseline is None:
        raise ValidationFailed("The initiative was not saved.", problems=[FieldProblem(
            field="baseline_from", message="no cases started in the baseline period; choose another period")])
    moment = clock.now()
    item = Initiative.objects.create(
        name=name, owner=owner, process=process, imported_log=imported_log, process_model=process_model,
        measure=measure, activity=activity.strip(), baseline_value=baseline, baseline_from=baseline_from,
        baseline_to=baseline_to, target_value=float(target_value), change_on=change_on, status=status,
        description=description.strip(), created_at=moment, updated_at=moment)
    record_event(activity="Start initiative", objects=[ObjectRef("initiative", str(item.pk), "initiative")],
                 actor=actor, attributes={"name": name, "measure": measure, "baseline": baseline,
                                          "baseline_cases": cases, "target": float(target_value),
                                          "change_on": change_on.isoformat()})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="initiative", object_id=item.pk,
                 object_repr=name, after={"measure": measure, "baseline": baseline, "target": float(target_value),
                                          "baseline_from": baseline_from.isoformat(),
                                          "baseline_to": baseline_to.isoformat(), "change_on": change_on.isoformat(),
                                          "owner": owner.pk},
                 message=f"Started initiative {name}: baseline {baseline:.4g} over {cases} cases")
    return item


@transaction.atomic
def update_initiative(*, actor: Any, initiative: Initiative, status: str | None = None,
                      target_value: float | None = None, change_on: date | None = None,
                      description: str | None = None, owner: Person | None = None) -> Initiative:
    """Change an initiative's status, target, change date, owner or description (its
    baseline stays as recorded)."""
    item = Initiative.objects.select_for_update().get(pk=initiative.pk)
    problems = ProblemCollector()
    if status is not None and status not in InitiativeStatus.values:
        problems.add("status", f"{status!r} is not one of {', '.join(InitiativeStatus.values)}")
    if change_on is not None and change_on <= item.baseline_to:
        problems.add("change_on", "must be after the baseline period")
    problems.raise_if_any("The initiative was not changed.")
    before = {"status": item.status, "target": item.target_value, "change_on": item.change_on.isoformat(),
              "description": item.description, "owner": item.owner_id}
    if status is not None:
        item.status = status
    if target_value is not None:
        item.target_value = float(target_value)
    if change_on is not None:
        item.change_on = change_on
    if description is not None:
        item.description = description.strip()
    if owner is not None:
        item.owner = owner
    after = {"status": item.status, "target": item.target_value, "change_on": item.change_on.isoformat(),
             "description": item.description, "owner": item.owner_id}
    if after == before:
        return item
    item.updated_at = clock.now()
    item.save()
    record_event(activity="Update initiative", objects=[ObjectRef("initiative", str(item.pk), "initiative")],
                 actor=actor, attributes={key: value for key, value in after.items() if before[key] != value})
    record_audit(actor=actor, action=AuditAction.CHANGE, object_type="initiative", object_id=item.pk,
                 object_repr=item.name, before=before, after=after, message=f"Updated initiative {item.name}")
    return item


# --- Imported logs --------------------------------------------------------------------


@transaction.atomic
def queue_log_import(*, actor: Any, name: str, filename: str, content: Any, size: int,
                     mapping: dict[str, str] | None = None, case_notion: str = "") -> ImportedLog:
    """Keep an uploaded file and import it in the background (all or nothing); the
    ImportedLog's row follows the progress. ``content`` is an UploadedFile or bytes."""
    problems = ProblemCollector()
    file_format = imports.format_of(filename)
    if file_format is None:
        problems.add("file", "use a .csv, .xes, .xes.gz, .json/.jsonocel (OCEL 2.0) or .sqlite (OCEL 2.0) file")
    if size <= 0:
        problems.add("file", "the file is empty")
    if size > MAX_UPLOAD_BYTES:
        problems.add("file", f"at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    mapping = {key: str(value).strip() for key, value in (mapping or {}).items() if str(value or "").strip()}
    if file_format == ImportFormat.CSV:
        for role in ("case", "activity", "timestamp"):
            if not mapping.get(role):
                problems.add(f"{role}_column", "name the column")
    if file_format == ImportFormat.OCEL and not case_notion.strip():
        problems.add("case_notion", "name the object type that is the case")
    problems.raise_if_any(imports.FAILED)
    assert file_format is not None
    item = ImportedLog.objects.create(
        name=(name.strip() or filename)[:200], filename=filename[:255], file_format=file_format,
        case_notion=case_notion.strip()[:200], mapping=mapping if file_format == ImportFormat.CSV else {},
        total=100, created_by=_person(actor))
    imports.keep_upload(log_id=item.pk, source=content)
    record_event(activity="Queue log import", objects=[ObjectRef("imported_log", str(item.pk), "log")], actor=actor,
                 attributes={"filename": item.filename, "format": file_format, "bytes": size})
    record_audit(actor=actor, action=AuditAction.IMPORT, object_type="imported_log", object_id=item.pk,
                 object_repr=item.name, after={"filename": item.filename, "format": file_format,
                                               "case_notion": item.case_notion, "mapping": item.mapping},
                 message=f"Queued the import of {item.filename}")
    transaction.on_commit(lambda: tasks.import_log_task.enqueue(log_id=item.pk))
    return item


@transaction.atomic
def finish_log_import(*, log_id: int, actor: Any, summary: dict[str, Any] | None,
                      problems: list[dict[str, Any]] | None = None, detail: str = "") -> ImportedLog:
    """Record the outcome of an import (called by the task): the counts, or the problems."""
    item = ImportedLog.objects.select_for_update().get(pk=log_id)
    item.finished_at = timezone.now()
    item.phase = ""
    if summary is not None:
        item.status = ImportStatus.SUCCEEDED
        item.processed = item.total
        for key in ("event_count", "case_count", "activity_count", "first_event_at", "last_event_at",
                    "storage_name"):
            setattr(item, key, summary[key])
        item.report = {"events": summary["event_count"], "cases": summary["case_count"],
                       "activities": summary["activity_count"]}
        activity, message = "Import log", f"Imported {item.filename}: {item.event_count} events in {item.case_count} cases"
    else:
        item.status = ImportStatus.FAILED
        item.report = {"detail": detail or imports.FAILED, "problems": problems or []}
        activity, message = "Fail log import", f"The import of {item.filename} failed; nothing was stored"
    item.save()
    record_event(activity=activity, objects=[ObjectRef("imported_log", str(item.pk), "log")], actor=actor,
                 attributes={"filename": item.filename, "status": item.status, "events": item.event_count})
    record_audit(actor=actor, action=AuditAction.IMPORT, object_type="imported_log", object_id=item.pk,
                 object_repr=item.name, after={"status": item.status, **item.report}, message=message)
    return item


@transaction.atomic
def delete_imported_log(*, actor: Any, log: ImportedLog) -> None:
    """Delete an imported log and its stored events (and the process models made for it);
    refused while an initiative tracks it or while it is importing."""
    item = ImportedLog.objects.select_for_update().get(pk=log.pk)
    if item.status in {ImportStatus.QUEUED, ImportStatus.RUNNING}:
        raise Conflict("The log is still importing; delete it when the import has finished.")
    if item.initiatives.exists():
        raise Conflict("An improvement initiative tracks this log; it cannot be deleted.")
    storage, pk, name = item.storage_name, item.pk, item.name
    models = list(item.process_models.values_list("name", flat=True))
    for model in item.process_models.all():
        model.current = None
        model.save(update_fields=["current"])
    item.delete()
    record_event(activity="Delete imported log", objects=[ObjectRef("imported_log", str(pk), "log")], actor=actor,
                 attributes={"name": name, "models_deleted": len(models)})
    record_audit(actor=actor, action=AuditAction.DELETE, object_type="imported_log", object_id=pk,
                 object_repr=name, before={"filename": log.filename, "events": log.event_count, "models": models},
                 message=f"Deleted imported log {name}")
    transaction.on_commit(lambda: imports.remove_files(log_id=pk, storage_name=storage))

