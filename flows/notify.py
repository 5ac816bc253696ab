"""Emails about runs: to the owner and the writers when a project starts failing or is held, and once
when it recovers. A project that fails every hour sends one email, not one per run. Each email is in
its recipient's language.
"""

from __future__ import annotations

from email.message import EmailMessage

from accounts.i18n import DEFAULT_LANGUAGE, known_language, translations
from accounts.mail import compose
from accounts.runs import RunStatus

ALERTING = (RunStatus.FAILED, RunStatus.HELD)


def notice_kind(status: RunStatus, previous: RunStatus | None) -> str | None:
    """'alert', 'recovered' or None, from this run's status and the previous notable one."""
    if status in ALERTING:
        return "alert" if previous is None or previous.healthy or previous is not status else None
    if status.healthy and previous in ALERTING:
        return "recovered"
    return None


def run_notice(
    kind: str, *, to: str, shop_name: str, project_name: str, status: RunStatus, error: str, link: str,
    language: str | None = None,
) -> EmailMessage:
    """The email for one recipient."""
    _ = translations(language).gettext
    where = f"{shop_name} / {project_name}"
    if kind == "recovered":
        subject = _("[Feedhub] {where}: feeds published again")
        body = _("The latest run of {where} succeeded; the exports are up to date again.\n\nRun: {link}\n")
    elif status is RunStatus.HELD:
        subject = _("[Feedhub] {where}: run held, nothing published")
        body = _(
            "A run of {where} was held by the quality gate: {error}\n\n"
            "The last good exports stay published. If the change is expected, confirm the run to publish it:\n"
            "{link}\n"
        )
    else:
        subject = _("[Feedhub] {where}: run failed, nothing published")
        body = _(
            "A run of {where} failed: {error}\n\nThe last good exports stay published. "
            "You get this email once; the next one comes when the project recovers.\n\nRun: {link}\n"
        )
    values = {"where": where, "error": error, "link": link}
    return compose(to=to, subject=subject.format(**values), body=body.format(**values),
                   language=known_language(language) or DEFAULT_LANGUAGE)
