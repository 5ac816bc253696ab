"""A project's catalogue over HTTP: saved queries with product counts, products before and after the rules
(filtered by a query, paginated), the trace of one product, and the preview of a draft rule list
(`feedhub.web.catalogue` does the work; nothing here is saved)."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter
from fastapi import Query as QueryParam
from pydantic import Field

import accounts
from feedhub.web import catalogue
from feedhub.web.api.schemas import Body
from feedhub.web.caller import Context, Db, Me
from feedhub.web.errors import ApiError
from feedhub.web.paging import DEFAULT_LIMIT, Limit

router = APIRouter(tags=["catalogue"])


class DraftRules(Body):
    rules: list[dict[str, Any]] = Field(max_length=500)
    export: str | None = None  # the draft is this export's own rule list (after the shared rules)


@router.get("/projects/{project_id}/queries")
def queries(project_id: int, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """The saved queries with how many of the source's products each selects."""
    spec = accounts.get_current_spec(session, user, project_id)
    products, counts, unknown = catalogue.saved_query_counts(context, project_id, spec)
    return {
        "products": products,
        "items": [{"name": name, "query": spec.queries[name], "products": counts[name],
                   "warnings": unknown.get(name, [])} for name in spec.queries],
    }


@router.get("/projects/{project_id}/products")
def products(project_id: int, user: Me, session: Db, context: Context, limit: Limit = DEFAULT_LIMIT,
             cursor: str | None = None, query: str | None = QueryParam(default=None, max_length=2000)
             ) -> dict[str, Any]:
    """Products in feed order (or the query's SORT BY order), input and output values side by side; `query` (MQL)
    filters on input values."""
    offset = _offset(cursor)
    spec = accounts.get_current_spec(session, user, project_id)
    page = catalogue.browse(context, project_id, spec, query=query, offset=offset, limit=limit)
    more = offset + len(page.rows) < page.matched
    return {
        "items": [
            {"id": row.product_id, "position": row.position, "line": row.line, "hidden": row.hidden,
             "input": row.before, "output": row.after}
            for row in page.rows
        ],
        "matched": page.matched, "products": page.products, "query_errors": page.errors,
        "next_cursor": _cursor(offset + len(page.rows)) if more else None,
    }


@router.get("/projects/{project_id}/products/{product}/trace")
def trace(project_id: int, product: str, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Rule by rule, what the project's rules do to one product (by its id)."""
    spec = accounts.get_current_spec(session, user, project_id)
    result = catalogue.trace(context, project_id, spec, product)
    if result is None:
        raise ApiError(404, "product_not_found", f"the project's feed has no product with id {product!r}")
    return {
        "id": result.product_id,
        "hidden_by": result.hidden_by.rule_index if result.hidden_by else None,
        "steps": [
            {"rule": s.rule_index, "type": s.rule_type, "name": s.rule_name, "query": s.query,
             "selected": s.selected, "by_else": s.by_else, "hidden": s.hidden, "error": s.error,
             "changes": [{"element": path, "before": list(b), "after": list(a)} for path, b, a in s.changes]}
            for s in result.steps
        ],
    }


@router.post("/projects/{project_id}/preview")
def preview_draft(project_id: int, body: DraftRules, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """What a draft rule list would change against the current rules, over the whole catalogue (read)."""
    spec = accounts.get_current_spec(session, user, project_id)
    report = catalogue.preview_draft(context, project_id, spec, body.rules, body.export)
    return {
        "products": report.products, "changed_products": report.changed_products,
        "newly_hidden": report.newly_hidden, "newly_shown": report.newly_shown,
        "newly_hidden_ids": report.newly_hidden_ids, "newly_shown_ids": report.newly_shown_ids,
        "elements": [
            {"element": e.path, "products": e.products,
             "samples": [{"id": i, "before": list(b), "after": list(a)} for i, b, a in e.samples]}
            for e in sorted(report.elements.values(), key=lambda e: (-e.products, e.path))
        ],
    }


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except ValueError as exc:
        raise ApiError(400, "invalid_cursor", "the cursor is not one this API gave out") from exc
