"""The web app: the REST API (`/api/v1`, OpenAPI at `/api/docs`), the pages emailed links open, and
the published feeds. Every route is a thin shell over the accounts services and their access checks."""

from __future__ import annotations

from feedhub.web.app import create_app
from feedhub.web.feeds import export_file_name

__all__ = ["create_app", "export_file_name"]
