"""Served feed URLs: a random token per project export, optional basic auth, and the download log.

The token is the secret of the URL (`/f/<token>/<export>.<ext>`), so it is random (32 bytes) and can
be rotated; it is stored as is because owners need to read their URL again. Basic-auth passwords are
stored only as argon2 hashes. `resolve_link` and `log_download` serve the web endpoint (no actor: a
channel's crawler has no account); everything else starts with the access check. A deleted shop's
URLs stop answering at once and come back when it is restored (its links are kept meanwhile).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts import audit
from accounts.access import access_project
from accounts.errors import AccountsError
from accounts.models import NEVER_REUSE_IDS, Base, Project, Shop, ShopStatus, User
from accounts.roles import Action
from accounts.types import UTCDateTime, utcnow

TOKEN_BYTES = 32
MAX_LISTED_DOWNLOADS = 500
AUTH_HASHER = PasswordHasher()


class ExportLink(Base):
    """The public URL of one export of a project."""

    __tablename__ = "export_links"
    __table_args__ = (UniqueConstraint("project_id", "export_name"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    export_name: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    auth_user: Mapped[str | None] = mapped_column(String(100))
    auth_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportDownload(Base):
    """One request for a served export: when did Google last fetch my feed?"""

    __tablename__ = "export_downloads"
    __table_args__ = (
        Index("ix_export_downloads_link_id_id", "link_id", "id"),
        Index("ix_export_downloads_link_id_at", "link_id", "at"),  # the dashboard's downloads per day
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("export_links.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    status: Mapped[int] = mapped_column(default=200)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class ExportLinkNotFound(AccountsError):
    """The project has no export of that name, or it is not visible to the actor."""

    def __init__(self, project_id: int, export_name: str) -> None:
        super().__init__(f"project {project_id} has no export {export_name!r}, or you may not access it")
        self.project_id = project_id
        self.export_name = export_name


@dataclass(frozen=True)
class DownloadView:
    """One line of an export's download log."""

    at: datetime
    ip: str
    user_agent: str
    status: int
    bytes: int


# ---------------------------------------------------------------------------------------------- system


def ensure_links(session: Session, project: Project, export_names: list[str]) -> dict[str, ExportLink]:
    """The links of the named exports, creating the missing ones (exports are named in the spec)."""
    existing = {
        link.export_name: link
        for link in session.scalars(select(ExportLink).where(ExportLink.project_id == project.id))
    }
    for name in export_names:
        if name not in existing:
            existing[name] = ExportLink(project_id=project.id, export_name=name, token=_new_token())
            session.add(existing[name])
    session.flush()
    return {name: existing[name] for name in export_names}


def resolve_link(session: Session, token: str) -> ExportLink | None:
    """The link a URL token names, if any and if its shop is not deleted (a suspended shop's feeds stay served)."""
    query = (
        select(ExportLink)
        .join(Project, Project.id == ExportLink.project_id)
        .join(Shop, Shop.id == Project.shop_id)
        .where(ExportLink.token == token, Shop.status != ShopStatus.DELETED)
    )
    return session.scalars(query).one_or_none()


def check_basic_auth(link: ExportLink, user: str | None, password: str | None) -> bool:
    """Whether the request may read the export: no auth configured, or the right user and password."""
    if link.auth_user is None or link.auth_hash is None:
        return True
    if user is None or password is None or not secrets.compare_digest(user, link.auth_user):
        return False
    try:
        return AUTH_HASHER.verify(link.auth_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def log_download(
    session: Session, link: ExportLink, *, ip: str, user_agent: str, status: int, size: int
) -> None:
    """Append one download to the export's log."""
    session.add(
        ExportDownload(link_id=link.id, ip=ip[:64], user_agent=user_agent[:400], status=status, bytes=size)
    )


# ---------------------------------------------------------------------------------------------- people


def list_links(session: Session, actor: User, project_id: int) -> list[ExportLink]:
    """The project's export links by name (read)."""
    access_project(session, actor, project_id, Action.VIEW)
    query = select(ExportLink).where(ExportLink.project_id == project_id).order_by(ExportLink.export_name)
    return list(session.scalars(query))


def rotate_token(session: Session, actor: User, project_id: int, export_name: str) -> ExportLink:
    """Give the export a new URL; the old one stops working at once (write)."""
    link = _access_link(session, actor, project_id, export_name, Action.EDIT_EXPORTS)
    link.token = _new_token()
    link.rotated_at = utcnow()
    shop_id = _shop_id(session, link)
    audit.record(session, shop_id=shop_id, actor=actor, action="export.token_rotated", export=export_name)
    session.flush()
    return link


def set_basic_auth(
    session: Session, actor: User, project_id: int, export_name: str, *, user: str | None, password: str | None
) -> ExportLink:
    """Require HTTP basic auth for the export, or (user None) stop requiring it (write)."""
    link = _access_link(session, actor, project_id, export_name, Action.EDIT_EXPORTS)
    if user is None:
        link.auth_user = link.auth_hash = None
    else:
        if not user or not password or ":" in user:
            raise AccountsError("basic auth needs a user name without ':' and a non-empty password")
        link.auth_user, link.auth_hash = user, AUTH_HASHER.hash(password)
    shop_id = _shop_id(session, link)
    audit.record(session, shop_id=shop_id, actor=actor, action="export.auth_changed", export=export_name, on=bool(user))
    session.flush()
    return link


def list_downloads(
    session: Session, actor: User, project_id: int, export_name: str, *, limit: int = MAX_LISTED_DOWNLOADS
) -> list[DownloadView]:
    """The export's downloads, newest first (read)."""
    link = _access_link(session, actor, project_id, export_name, Action.VIEW)
    rows = session.scalars(
        select(ExportDownload).where(ExportDownload.link_id == link.id).order_by(ExportDownload.id.desc()).limit(limit)
    )
    return [DownloadView(d.at, d.ip, d.user_agent, d.status, d.bytes) for d in rows]


def _access_link(session: Session, actor: User, project_id: int, export_name: str, action: Action) -> ExportLink:
    access_project(session, actor, project_id, action)
    link = session.scalars(
        select(ExportLink).where(ExportLink.project_id == project_id, ExportLink.export_name == export_name)
    ).one_or_none()
    if link is None:
        raise ExportLinkNotFound(project_id, export_name)
    return link


def _shop_id(session: Session, link: ExportLink) -> int:
    return session.get_one(Project, link.project_id).shop_id


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)
