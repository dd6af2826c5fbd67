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


def test_uploaded_tables_read_the_same_from_csv_and_xlsx() -> None:
    import pytest

    from keel.core.errors import ValidationFailed
    from keel.core.spreadsheets import read_rows

    header, rows = ["SKU", "Payment terms (days)", "Note"], [["A-1", 30, "'=1+1"], ["", "", ""], ["B-2", 45, "ok"]]
    expected = [
        {"sku": "A-1", "payment_terms_days": "30", "note": "=1+1", "row": "2"},
        {"sku": "B-2", "payment_terms_days": "45", "note": "ok", "row": "4"},
    ]
    assert read_rows(name="t.csv", content=csv_bytes(header, rows), max_rows=10, required=("sku",)) == expected
    assert read_rows(name="t.xlsx", content=xlsx_bytes(header, rows, sheet="t"), max_rows=10) == expected
    with pytest.raises(ValidationFailed) as error:
        read_rows(name="t.csv", content=csv_bytes(["SKU", "sku"], []), max_rows=10, required=("qty",))
    assert [(p.field, p.message, p.row) for p in error.value.problems] == [
        ("qty", "missing column", 1), ("sku", "appears twice in the header", 1)
    ]
    with pytest.raises(ValidationFailed, match="more than 1 rows"):
        read_rows(name="t.csv", content=csv_bytes(header, rows), max_rows=1)
    with pytest.raises(ValidationFailed, match=r"Upload a \.csv or \.xlsx file"):
        read_rows(name="t.pdf", content=b"%PDF", max_rows=1)
