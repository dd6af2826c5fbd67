"""Safe spreadsheet export: CSV and XLSX with formula injection neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with a quote.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    worksheet.append(list(header))
    for row in rows:
        cells = []
        for value in row:
            cleaned = neutralise(value)
            if isinstance(cleaned, datetime):
                cleaned = cleaned.isoformat()
            cells.append(cleaned)
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[object]], file_format: str
) -> HttpResponse:
    """An attachment response in CSV or XLSX; unknown formats fall back to CSV."""
    if file_format == "xlsx":
        content = xlsx_bytes(header, rows, sheet=filename)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- Reading uploaded tables ----------------------------------------------------------


def column_name(header: object) -> str:
    """A column header as a field name: ``Payment terms (days)`` -> ``payment_terms_days``."""
    text = str(header or "").strip().lower()
    cleaned = "".join(character if character.isalnum() else "_" for character in text)
    return "_".join(part for part in cleaned.split("_") if part)


def cell_text(value: object) -> str:
    """A cell as the text a person typed: whole floats without ".0", dates as ISO, and the
    quote Keel's own exports put before formula-like text taken off again."""
    from datetime import date

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def read_rows(
    *, name: str, content: bytes, max_rows: int, max_bytes: int = 5 * 1024 * 1024,
    required: Sequence[str] = (), header_detail: str = "The header cannot be used; nothing was imported.",
) -> list[dict[str, str]]:
    """The data rows of an uploaded CSV or XLSX file as column -> text, each with its
    spreadsheet ``row`` number (the header is row 1). Empty rows are skipped.

    Refuses, with a clear message: other file types, files over ``max_bytes`` or
    ``max_rows``, unreadable files, and a header that lacks a ``required`` column or
    names one twice.
    """
    from keel.core.errors import FieldProblem, ValidationFailed

    lowered = name.lower()
    if len(content) > max_bytes:
        raise ValidationFailed(f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it.")
    raw_rows: list[list[object]]
    if lowered.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds of error for a damaged file
            raise ValidationFailed(f"{name} is not a readable XLSX file.") from error
        sheet = workbook.worksheets[0]
        raw_rows = [list(row) for row in sheet.iter_rows(values_only=True, max_row=max_rows + 2)]
        workbook.close()
    elif lowered.endswith((".csv", ".txt")):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationFailed(f"{name} is not UTF-8 text; save it as CSV UTF-8.") from error
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        raw_rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    else:
        raise ValidationFailed("Upload a .csv or .xlsx file.")
    if not raw_rows:
        raise ValidationFailed(f"{name} is empty.")
    if len(raw_rows) - 1 > max_rows:
        raise ValidationFailed(f"{name} has more than {max_rows} rows; split it.")
    header = [column_name(cell) for cell in raw_rows[0]]
    problems = [FieldProblem(field=column, message="missing column", row=1) for column in required if column not in header]
    problems += [
        FieldProblem(field=column, message="appears twice in the header", row=1)
        for column in sorted({column for column in header if column and header.count(column) > 1})
    ]
    if problems:
        raise ValidationFailed(header_detail, problems=problems)
    rows = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        cells = [cell_text(value) for value in raw]
        if not any(cells):
            continue
        row = {column: (cells[index] if index < len(cells) else "") for index, column in enumerate(header) if column}
        row["row"] = str(number)
        rows.append(row)
    return rows
