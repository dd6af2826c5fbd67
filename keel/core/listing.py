"""List pages: search, filters, sort, pagination and CSV/XLSX export from one definition.

A view builds a ``Listing`` from a scoped queryset and a column list; the template
renders ``listing.rows`` and ``listing.columns``; ``?export=csv`` or ``?export=xlsx``
downloads every matching row with the same filters and order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property

from keel.core.spreadsheets import download

PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    sort: str | None = None  # database ordering expression; None = not sortable
    value: Callable[[Any], object] | None = None  # for export; default getattr(row, key)
    numeric: bool = False

    def export_value(self, row: Any) -> object:
        if self.value is not None:
            return self.value(row)
        value: object = row
        for part in self.key.split("."):
            value = getattr(value, part, None)
        return value


class CountingPaginator(Paginator):
    """A paginator that counts the rows of another queryset with the same rows (cheaper)."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, counted: QuerySet[Any]) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return self.counted.count()


@dataclass
class Listing:
    request: HttpRequest
    queryset: QuerySet[Any]
    columns: Sequence[Column]
    search_fields: Sequence[str] = ()
    default_sort: str = ""
    export_name: str = "export"
    # Aggregates (totals over related rows) are costly over a whole table: ``aggregates``
    # annotates them, and they are computed for the page's rows only, unless the list is
    # sorted by one of ``aggregate_keys`` (or exported), which needs them for every row.
    aggregates: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    aggregate_keys: frozenset[str] = frozenset()
    page: Page[Any] = field(init=False)
    sort: str = field(init=False, default="")
    query: str = field(init=False, default="")
    page_size: int = field(init=False, default=25)

    def __post_init__(self) -> None:
        params = self.request.GET
        self.query = params.get("q", "").strip()[:200]
        rows = self.queryset
        if self.query and self.search_fields:
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__icontains": self.query})
            rows = rows.filter(condition)
        sortable = {column.key: column.sort for column in self.columns if column.sort}
        requested = params.get("sort", self.default_sort)
        key = requested.lstrip("-")
        counted = rows  # aggregates add columns, never rows: the count needs no joins for them
        self._aggregated_in_query = self.aggregates is not None and key in self.aggregate_keys
        if self._aggregated_in_query:
            assert self.aggregates is not None
            rows = self.aggregates(rows)
        if key in sortable:
            self.sort = requested
            expression = sortable[key]
            assert expression is not None
            rows = rows.order_by(f"-{expression}" if requested.startswith("-") else expression, "pk")
        else:
            self.sort = ""
        try:
            self.page_size = int(params.get("size", 25))
        except ValueError:
            self.page_size = 25
        if self.page_size not in PAGE_SIZES:
            self.page_size = 25
        self.filtered = rows
        self.page = CountingPaginator(rows, self.page_size, counted=counted).get_page(params.get("page"))
        self._rows: list[Any] | None = None

    @property
    def rows(self) -> list[Any]:
        """The page's rows, with their aggregates: one more query for the page at most."""
        if self._rows is None:
            rows = list(self.page.object_list)
            if self.aggregates is not None and not self._aggregated_in_query and rows:
                model = type(rows[0])
                names = sorted(self.aggregate_keys)
                values = {
                    row["pk"]: row
                    for row in self.aggregates(model._default_manager.filter(pk__in=[r.pk for r in rows])).values("pk", *names)
                }
                for row in rows:
                    for name in names:
                        setattr(row, name, values.get(row.pk, {}).get(name))
            self._rows = rows
        return self._rows

    def url_with(self, **changes: object) -> str:
        params = {key: value for key, value in self.request.GET.items() if key not in {"export", "page"}}
        if "page" in self.request.GET and "page" not in changes:
            params["page"] = self.request.GET["page"]
        for key, value in changes.items():
            if value in (None, ""):
                params.pop(key, None)
            else:
                params[key] = str(value)
        return "?" + urlencode(params)

    def sort_links(self) -> list[dict[str, object]]:
        links: list[dict[str, object]] = []
        for column in self.columns:
            if not column.sort:
                links.append({"column": column, "url": None, "direction": ""})
                continue
            direction = ""
            next_sort = column.key
            if self.sort == column.key:
                direction, next_sort = "ascending", f"-{column.key}"
            elif self.sort == f"-{column.key}":
                direction, next_sort = "descending", column.key
            links.append({"column": column, "url": self.url_with(sort=next_sort, page=None), "direction": direction})
        return links

    def export(self) -> HttpResponse | None:
        file_format = self.request.GET.get("export")
        if file_format not in {"csv", "xlsx"}:
            return None
        header = [column.label for column in self.columns]
        source = self.filtered
        if self.aggregates is not None and not self._aggregated_in_query:
            source = self.aggregates(source)
        rows = ([column.export_value(row) for column in self.columns] for row in source.iterator(chunk_size=2000))
        return download(filename=self.export_name, header=header, rows=rows, file_format=file_format)

    @property
    def csv_url(self) -> str:
        return self.url_with(export="csv", page=None)

    @property
    def xlsx_url(self) -> str:
        return self.url_with(export="xlsx", page=None)

    @property
    def previous_url(self) -> str | None:
        return self.url_with(page=self.page.previous_page_number()) if self.page.has_previous() else None

    @property
    def next_url(self) -> str | None:
        return self.url_with(page=self.page.next_page_number()) if self.page.has_next() else None

    @property
    def headers(self) -> list[dict[str, object]]:
        return self.sort_links()
