"""Reading an order import file (CSV or XLSX) into rows of text, and the import template.

One row per order line; rows with the same ``order_ref`` form one order. Rows are numbered
as the spreadsheet shows them: the header is row 1, the first line of data row 2.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from keel.core.errors import FieldProblem, ValidationFailed
from keel.core.spreadsheets import FORMULA_PREFIXES

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
REQUIRED_COLUMNS = ("order_ref", "customer", "ship_from", "sku", "quantity")
OPTIONAL_COLUMNS = ("channel", "promised_ship_on", "promised_delivery_on", "unit_price", "currency")
COLUMNS = REQUIRED_COLUMNS[:3] + OPTIONAL_COLUMNS[:3] + REQUIRED_COLUMNS[3:] + OPTIONAL_COLUMNS[3:]
EXAMPLE_ROWS = [
    ["WEB-1001", "C-1001", "dub", "web", "2026-12-01", "2026-12-03", "TEE-BLK-M", "2", "19.00", "EUR"],
    ["WEB-1001", "C-1001", "dub", "web", "2026-12-01", "2026-12-03", "MUG-CER-350", "1", "", ""],
]


def column_name(value: object) -> str:
    return str(value or "").strip().lower().replace(" ", "_").replace("-", "_")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    # Undo the quote Keel's own exports put before text a spreadsheet would run as a formula.
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def read_rows(*, name: str, content: bytes) -> list[dict[str, str]]:
    """The data rows as column -> text, each with its spreadsheet ``row`` number."""
    lowered = name.lower()
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed("The file is larger than 5 MB; split it.")
    raw_rows: list[list[Any]]
    if lowered.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds of error for a damaged file
            raise ValidationFailed(f"{name} is not a readable XLSX file.") from error
        sheet = workbook.worksheets[0]
        raw_rows = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_IMPORT_ROWS + 2)]
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
    if len(raw_rows) - 1 > MAX_IMPORT_ROWS:
        raise ValidationFailed(f"{name} has more than {MAX_IMPORT_ROWS} rows; split it.")
    header = [column_name(cell) for cell in raw_rows[0]]
    problems = [FieldProblem(field=column, message="missing column", row=1)
                for column in REQUIRED_COLUMNS if column not in header]
    problems += [FieldProblem(field=column, message="appears twice in the header", row=1)
                 for column in sorted({c for c in header if c and header.count(c) > 1})]
    if problems:
        raise ValidationFailed("The header is not the import template's; nothing was imported.", problems=problems)
    rows = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        cells = [_cell_text(value) for value in raw]
        if not any(cells):
            continue
        row = {column: (cells[index] if index < len(cells) else "") for index, column in enumerate(header) if column}
        row["row"] = str(number)
        rows.append(row)
    if not rows:
        raise ValidationFailed(f"{name} has no rows below the header.")
    return rows
