"""The command line: export_ocel, import_events, keel_createuser and the `keel` front."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import row_counts as counts
from keel import cli
from keel.audit.models import AuditRecord
from keel.events import ocel
from keel.events.models import Event
from keel.organization.models import Person

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "ocel20_example.jsonocel"
SAMPLE_SUMMARY = (
    "Imported 13 events, 9 new objects, 20 event-object links and 7 object relations "
    "from ocel20_example.jsonocel\n"
)




def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- import_events ------------------------------------------------------------------------


def test_import_events_prints_the_summary(db: Any) -> None:
    # Given an empty log
    before = counts()

    # When the sample is imported from the command line
    output = run("import_events", str(SAMPLE))

    # Then the summary line is exact and the rows are there
    assert output == SAMPLE_SUMMARY
    assert counts() == {
        **before, "events": 13, "objects": 9, "links": 20, "relations": 7, "audit": before["audit"] + 1,
    }
    record = AuditRecord.objects.get(action="import")
    assert (record.channel, record.actor_label, record.object_repr) == ("cli", "system", "ocel20_example.jsonocel")


def test_import_events_with_a_source_name(db: Any) -> None:
    # When the sample is imported with --source
    run("import_events", str(SAMPLE), "--source", "sap")

    # Then every event carries it
    assert set(Event.objects.values_list("source", flat=True)) == {"sap"}


def test_importing_the_same_file_twice_lists_every_row_and_changes_nothing(db: Any) -> None:
    # Given the sample imported once
    run("import_events", str(SAMPLE))
    before = counts()

    # When it is imported again
    with pytest.raises(CommandError) as error:
        run("import_events", str(SAMPLE))

    # Then each event is reported by row, and nothing changes
    lines = str(error.value).splitlines()
    assert lines[0] == "The log was not imported; nothing was written."
    assert lines[1:] == [
        f"  row {row}: events.id: event {event.id!r} is already in the log"
        for row, event in enumerate(ocel.read_json(SAMPLE).events)
    ]
    assert len(lines) == 14
    assert counts() == before


def test_importing_a_broken_file_lists_the_location(db: Any, tmp_path: Path) -> None:
    # Given a JSON file without an events list
    path = tmp_path / "broken.jsonocel"
    path.write_text(json.dumps({"objectTypes": [], "eventTypes": [], "objects": []}))
    before = counts()

    # When it is imported
    with pytest.raises(CommandError) as error:
        run("import_events", str(path))

    # Then the location is named and nothing is written
    assert str(error.value) == f"{path} is not a valid OCEL 2.0 log; nothing was imported:\n  events: missing"
    assert counts() == before


def test_importing_a_file_with_an_unknown_extension_is_refused(db: Any, tmp_path: Path) -> None:
    # Given a file whose extension is not an OCEL format
    path = tmp_path / "log.txt"
    path.write_text(SAMPLE.read_text())
    before = counts()

    # When it is imported
    with pytest.raises(CommandError) as error:
        run("import_events", str(path))

    # Then the supported extensions are named and nothing is written
    assert str(error.value) == (
        f"{path} is not a valid OCEL 2.0 log; nothing was imported:\n"
        "  file: unsupported extension '.txt'; use one of .json, .jsonocel, .sqlite, .sqlite3, .db"
    )
    assert counts() == before


def test_importing_a_missing_file_is_refused(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "absent.jsonocel"
    with pytest.raises(CommandError) as error:
        run("import_events", str(path))
    assert str(error.value) == f"No such file: {path}"


# --- export_ocel --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["log.jsonocel", "log.sqlite"])
def test_export_ocel_writes_the_whole_log(db: Any, tmp_path: Path, name: str) -> None:
    # Given the sample in the log
    run("import_events", str(SAMPLE))
    path = tmp_path / name
    audit_before = AuditRecord.objects.count()

    # When it is exported from the command line
    output = run("export_ocel", str(path))

    # Then the counts are printed, the file holds the log, and the export is audited
    assert output == f"Wrote 13 events and 9 objects to {path}\n"
    written = ocel.read_log(path)
    assert (len(written.events), len(written.objects)) == (13, 9)
    assert {event.id for event in written.events} == {event.id for event in ocel.read_json(SAMPLE).events}
    assert AuditRecord.objects.count() == audit_before + 1
    record = AuditRecord.objects.get(action="export")
    assert (record.object_repr, record.after, record.channel) == (str(path), {"events": 13, "objects": 9}, "cli")


def test_export_ocel_of_an_empty_log(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonocel"
    assert run("export_ocel", str(path)) == f"Wrote 0 events and 0 objects to {path}\n"
    assert json.loads(path.read_text()) == {"objectTypes": [], "eventTypes": [], "objects": [], "events": []}


def test_export_ocel_refuses_an_unknown_extension(db: Any, tmp_path: Path) -> None:
    # When the target's extension is not an OCEL format
    path = tmp_path / "log.csv"
    with pytest.raises(CommandError) as error:
        run("export_ocel", str(path))

    # Then nothing is written
    assert str(error.value) == (
        "not valid OCEL 2.0 (1 problem): file: unsupported extension '.csv'; "
        "use one of .json, .jsonocel, .sqlite, .sqlite3, .db"
    )
    assert not path.exists()
    assert not AuditRecord.objects.filter(action="export").exists()


# --- keel_createuser ----------------------------------------------------------------------


def test_createuser_creates_a_person_whose_printed_password_works(db: Any) -> None:
    # Given no such person
    before = counts()

    # When a Fulfillment Manager is created by title name
    output = run("keel_createuser", "--title", "Fulfillment Manager", "--email", "x@example.com", "--name", "X Y")

    # Then the person has that title and the password is printed once
    person = Person.objects.get(email="x@example.com")
    assert (person.full_name, person.title.slug, person.is_superuser) == ("X Y", "fulfillment-manager", False)
    lines = output.splitlines()
    assert lines[0] == "Created X Y <x@example.com> as Fulfillment Manager"
    match = re.fullmatch(r"Password \(shown once\): (\S+)", lines[1])
    assert match is not None
    assert len(lines) == 2
    # And the printed password authenticates, another does not
    assert authenticate(username="x@example.com", password=match.group(1)) == person
    assert authenticate(username="x@example.com", password=match.group(1) + "x") is None
    # And the creation was recorded as an event and an audit record
    assert counts() == {
        **before, "people": before["people"] + 1, "events": before["events"] + 1,
        "objects": before["objects"] + 1, "links": before["links"] + 1, "audit": before["audit"] + 1,
    }


def test_createuser_refuses_an_unknown_title(db: Any) -> None:
    # Given no such title
    before = counts()

    # When it is used
    with pytest.raises(CommandError) as error:
        run("keel_createuser", "--title", "Astronaut", "--email", "x@example.com", "--name", "X Y")

    # Then the error lists titles and nothing is created
    assert str(error.value).startswith("Unknown title 'Astronaut'. Titles: ")
    assert "Fulfillment Manager" in str(error.value)
    assert counts() == before


def test_createuser_refuses_a_taken_email(db: Any) -> None:
    run("keel_createuser", "--title", "fulfillment-manager", "--email", "x@example.com", "--name", "X Y")
    before = counts()
    with pytest.raises(CommandError) as error:
        run("keel_createuser", "--title", "fulfillment-manager", "--email", "X@example.com", "--name", "X Z")
    assert str(error.value) == "The person was not created. email: another person already uses this email"
    assert counts() == before


# --- the keel front -----------------------------------------------------------------------


def test_keel_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    # When `keel --help` runs
    code = cli.main(["--help"])

    # Then it exits 0 and prints every command with its summary
    assert code == 0
    out = capsys.readouterr().out
    assert out == cli.usage() + "\n"
    assert out.splitlines()[:3] == ["usage: keel COMMAND [options]", "", "Commands:"]
    for name in ["demo", "serve", "migrate", "worker", "createuser", "export-ocel", "import-events"]:
        assert re.search(rf"^  {re.escape(name)} +\S", out, flags=re.MULTILINE), name


def test_keel_with_an_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    # When an unknown command is given
    code = cli.main(["nope"])

    # Then it exits 2 and says so on stderr
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"keel: unknown command 'nope'\n\n{cli.usage()}\n"
