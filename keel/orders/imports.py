"""Reading an order import file (CSV or XLSX) into rows of text, and the import template.

One row per order line; rows with the same ``order_ref`` form one order. Rows are numbered
as the spreadsheet shows them: the header is row 1, the first line of data row 2.
"""

from __future__ import annotations

from keel.core import spreadsheets
from keel.core.errors import ValidationFailed

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
REQUIRED_COLUMNS = ("order_ref", "customer", "ship_from", "sku", "quantity")
OPTIONAL_COLUMNS = ("channel", "promised_ship_on", "promised_delivery_on", "unit_price", "currency")
COLUMNS = REQUIRED_COLUMNS[:3] + OPTIONAL_COLUMNS[:3] + REQUIRED_COLUMNS[3:] + OPTIONAL_COLUMNS[3:]
EXAMPLE_ROWS = [
    ["WEB-1001", "C-1001", "dub", "web", "2026-12-01", "2026-12-03", "TEE-BLK-M", "2", "19.00", "EUR"],
    ["WEB-1001", "C-1001", "dub", "web", "2026-12-01", "2026-12-03", "MUG-CER-350", "1", "", ""],
]


def read_rows(*, name: str, content: bytes) -> list[dict[str, str]]:
    """The data rows as column -> text, each with its spreadsheet ``row`` number."""
    rows = spreadsheets.read_rows(
        name=name, content=content, max_rows=MAX_IMPORT_ROWS, max_bytes=MAX_IMPORT_BYTES,
        required=REQUIRED_COLUMNS, header_detail="The header is not the import template's; nothing was imported.",
    )
    if not rows:
        raise ValidationFailed(f"{name} has no rows below the header.")
    return rows
