"""Publish targets belong to one project: a shop must not overwrite another shop's export.

A project's current revision claims the canonical form of each of its export URIs in the
`publish_targets` table; its primary key settles races between concurrent saves.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.errors import ExportTargetTaken
from accounts.models import PublishTarget
from feeds.project import ProjectSpec


def canonical_target(uri: str) -> str:
    """One spelling per target: file paths with `..` and symlinks resolved, scheme and host in lower case.

    A URI too broken to resolve (a NUL in the path, an unbalanced `[`) stays as written: no storage
    accepts it, so a run refuses it with the reason where it publishes.
    """
    try:
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if scheme == "file":
            return Path(os.path.realpath(unquote(parts.path))).as_uri()
    except ValueError:
        return uri
    return f"{scheme}://{parts.netloc.lower()}{parts.path}"


def target_key(canonical: str) -> str:
    """The primary key of a canonical target."""
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_targets_free(session: Session, project_id: int | None, spec: ProjectSpec) -> None:
    """Refuse (ExportTargetTaken) a URI of `spec` that another project has claimed; claims nothing."""
    wanted = _wanted(spec)
    if not wanted:
        return
    taken = select(PublishTarget.target_sha256).where(PublishTarget.target_sha256.in_(wanted))
    if project_id is not None:
        taken = taken.where(PublishTarget.project_id != project_id)
    key = session.scalars(taken.limit(1)).first()
    if key is not None:
        raise ExportTargetTaken(wanted[key])


def claim_targets(session: Session, project_id: int, spec: ProjectSpec) -> None:
    """Make `spec`'s URIs the project's targets, releasing the ones its previous revision had."""
    check_targets_free(session, project_id, spec)  # the usual refusal, naming the URI
    wanted = _wanted(spec)
    try:
        with session.begin_nested():  # a refusal keeps the previous claims, whatever the caller does next
            session.execute(delete(PublishTarget).where(PublishTarget.project_id == project_id))
            for key in sorted(wanted):  # one order for every save: two saves cannot wait on each other
                session.add(PublishTarget(target_sha256=key, project_id=project_id, uri=canonical_target(wanted[key])))
                session.flush()
    except IntegrityError as exc:  # a concurrent save claimed one after our check and committed first
        check_targets_free(session, project_id, spec)
        raise ExportTargetTaken(next(iter(wanted.values()))) from exc


def _wanted(spec: ProjectSpec) -> dict[str, str]:
    """Primary key -> URI as the user wrote it, for each export that publishes somewhere."""
    return {target_key(canonical_target(e.uri)): e.uri for e in spec.exports if e.uri}
