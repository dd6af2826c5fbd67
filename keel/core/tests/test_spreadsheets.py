"""Exports neutralise spreadsheet formulas."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from keel.core.spreadsheets import csv_bytes, neutralise, xlsx_bytes


def test_text_that_a_spreadsheet_would_run_is_quoted() -> None:
    assert [neutralise(v) for v in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "plain", 5, -3, None]] == [
        "'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "plain", 5, -3, None
    ]


def test_csv_export_quotes_formulas() -> None:
    content = csv_bytes(["name"], [["=HYPERLINK(\"http://evil\")"], ["Ann"]]).decode("utf-8-sig")
    assert content.splitlines() == ["name", '"\'=HYPERLINK(""http://evil"")"', "Ann"]


def test_xlsx_export_stores_formulas_as_text() -> None:
    workbook = load_workbook(io.BytesIO(xlsx_bytes(["name", "count"], [["=1+1", 3]], sheet="people")))
    sheet = workbook["people"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["name", "count"], ["'=1+1", 3]]
    assert sheet["A2"].data_type == "s"
