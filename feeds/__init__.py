"""Feedhub's pipeline core: fetch, parse, transform, export. Pure: no Prefect, no database."""
