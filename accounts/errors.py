"""Errors of the accounts package.

Every error carries the fields a caller needs to react (ids, emails, levels), not only text::

    AccountsError                    root
    ├── NoShopAccess                 no such shop, or the actor may not do this (one error: nothing leaks)
    │   └── LevelTooLow              a member's level is below the action's (level, needed): they see the shop anyway
    │       ├── ProfileRefused       none of the member's profiles allows the action (profiles)
    │       ├── GrantRefused         none allows one area's permission, e.g. tokens:add (profiles, grant)
    │       └── ElementNotAllowed    a rule writes an element the member's profiles do not let them (element)
    ├── ProjectNotFound              no such project, or not visible to the actor
    ├── UserError
    │   ├── InvalidEmail             not an email address
    │   ├── EmailTaken               an account with this email exists
    │   ├── UserNotFound             no account with this email (sign-up is free)
    │   ├── InvalidCredentials       wrong email or password
    │   ├── WeakPassword             shorter than MIN_PASSWORD_LENGTH
    │   ├── EmailNotVerified         the action needs a verified email
    │   ├── InvalidToken             an unknown, used or expired email-verification or password-reset token
    │   ├── LoginThrottled           too many failed logins for the email or address (retry_after_s)
    │   ├── AlreadyVerified          the email is verified: no new verification link
    │   ├── UnknownLanguage          a language Feedhub has no catalogue for (value, known)
    │   ├── NotForShopTokens         a shop's API token is no person: it cannot create shops or tokens (what)
    │   └── ApiTokenNotFound         no such API token of the actor's (another user's looks the same)
    ├── MembershipError
    │   ├── AlreadyMember            the user already has access to the shop
    │   ├── MemberNotFound           the user has no membership to change or remove
    │   ├── OwnerCannotLeave         the owner cannot leave or be removed: transfer first
    │   ├── LevelNotGrantable        nobody grants owner, or a level above their own
    │   ├── ProfileNotGrantable      nobody grants a profile allowing more than they may do (profile)
    │   ├── UnknownProfile           no built-in or shop profile of this name (name, known)
    │   ├── ProfileExists            the shop already has a profile of this name
    │   └── ProfileInUse             a profile members or pending invitations hold cannot be deleted (holders)
    ├── InvitationInvalid            unknown, used, revoked or expired invitation (reason)
    │   └── InvitationWrongAccount   the invitation belongs to another email
    ├── InvitationsThrottled         the shop or the inviting user sent its hourly limit (scope, limit, retry_after_s)
    ├── TransferError
    │   ├── TransferPending          the shop already has a pending transfer
    │   └── TransferInvalid          unknown, decided or expired transfer, or not the recipient (reason)
    ├── ShopStateError               e.g. restoring after the grace period (reason)
    ├── InvalidName                  an empty or too long shop or project name
    ├── BillingError
    │   ├── UnknownBillingPeriod     a period key nobody configured (name, known)
    │   ├── PeriodAlreadyInvoiced    the period overlaps an existing invoice
    │   └── InvoiceNotFound          no invoice with this number
    ├── ProjectError
    │   ├── ProjectExists            the shop already has a project of this name
    │   ├── ExportTargetTaken        another project already publishes to this URI
    │   └── RevisionNotFound         the project has no such revision
    └── MailError                    the SMTP server refused or could not be reached (transient)
"""

from __future__ import annotations

from accounts.roles import PERMISSIONS, Action, Level


class AccountsError(Exception):
    """Root of every error the accounts package raises on purpose."""

    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoShopAccess(AccountsError):
    """The shop does not exist or the actor lacks the level: the same error, so existence never leaks."""

    def __init__(self, shop_id: int, action: str) -> None:
        super().__init__(f"no shop {shop_id}, or you may not {Action(action).phrase}")
        self.shop_id = shop_id
        self.action = action


class LevelTooLow(NoShopAccess):
    """The actor is a member, but their level does not allow the action.

    Members see the shop (and its projects) anyway, so saying why leaks nothing; outsiders get the
    plain `NoShopAccess`. With `project_id` the message names the project the actor tried to act on.
    """

    def __init__(self, shop_id: int, action: str, level: Level, *, project_id: int | None = None) -> None:
        needed = PERMISSIONS[Action(action)]
        if project_id is None:
            subject, doing = f"shop {shop_id}", Action(action).doing()
        else:
            subject, doing = f"project {project_id}", Action(action).doing("it")
        AccountsError.__init__(self, f"you have {level.label} access to {subject}; {doing} needs {needed.label} access")
        self.shop_id = shop_id
        self.action = action
        self.level = level
        self.needed = needed
        self.project_id = project_id


class ProfileRefused(LevelTooLow):
    """The member's profiles (not a plain write or read level) do not allow the action."""

    def __init__(
        self, shop_id: int, action: str, level: Level, profiles: list[str], *, project_id: int | None = None
    ) -> None:
        subject = f"shop {shop_id}" if project_id is None else f"project {project_id}"
        doing = Action(action).doing() if project_id is None else Action(action).doing("it")
        held = ", ".join(profiles) or "none"
        AccountsError.__init__(self, f"your profiles ({held}) on {subject} do not allow {doing}")
        self.shop_id, self.action, self.level, self.project_id = shop_id, action, level, project_id
        self.needed = PERMISSIONS[Action(action)]
        self.profiles = profiles


class GrantRefused(LevelTooLow):
    """The member's profiles do not allow one area's permission beyond the shop's entry check (tokens:add)."""

    def __init__(self, shop_id: int, level: Level, profiles: list[str], grant: str) -> None:
        AccountsError.__init__(
            self, f"your profiles ({', '.join(profiles) or 'none'}) on shop {shop_id} do not allow {grant}"
        )
        self.shop_id, self.action, self.project_id = shop_id, Action.VIEW.value, None
        self.level, self.needed = level, Level.OWNER
        self.profiles = profiles
        self.grant = grant


class ElementNotAllowed(LevelTooLow):
    """A saved rule writes (or a removed one wrote) an element outside the member's element scope."""

    def __init__(self, shop_id: int, project_id: int, element: str, profiles: list[str]) -> None:
        AccountsError.__init__(
            self, f"your profiles ({', '.join(profiles)}) do not allow rules writing {element!r} "
            f"in project {project_id}"
        )
        self.shop_id, self.action, self.project_id = shop_id, Action.EDIT_FEEDS.value, project_id
        self.level, self.needed = Level.WRITE, Level.WRITE
        self.element = element
        self.profiles = profiles


class ProjectNotFound(AccountsError):
    """The project does not exist or its shop is not visible to the actor."""

    def __init__(self, project_id: int) -> None:
        super().__init__(f"no project {project_id}, or you may not access it")
        self.project_id = project_id


class UserError(AccountsError):
    """A problem with an account."""


class InvalidEmail(UserError):
    """Not something an email can be sent to."""

    def __init__(self, email: str) -> None:
        super().__init__(f"not an email address: {email!r}")
        self.email = email


class InvalidBillingProfile(UserError):
    """A billing profile field that invoices cannot use (`field` names it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownLanguage(UserError):
    """Not one of the languages Feedhub is translated into."""

    def __init__(self, value: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown language {value!r}; known: {', '.join(known)}")
        self.value = value
        self.known = known


class EmailTaken(UserError):
    """An account with this email already exists."""

    def __init__(self, email: str) -> None:
        super().__init__(f"an account with email {email} already exists")
        self.email = email


class UserNotFound(UserError):
    """No account has this email; invitations and transfers need an existing account."""

    def __init__(self, email: str) -> None:
        super().__init__(f"no account with email {email}; ask them to sign up first (accounts are free)")
        self.email = email


class NotForShopTokens(UserError):
    """A shop's API token acts only inside its shop: it owns nothing and mints no tokens."""

    def __init__(self, what: str) -> None:
        super().__init__(f"a shop's API token cannot {what}; use a personal account")
        self.what = what


class InvalidCredentials(UserError):
    """Wrong email or password (one error for both)."""

    def __init__(self) -> None:
        super().__init__("wrong email or password")


class WeakPassword(UserError):
    """The password is too short."""

    def __init__(self, min_length: int) -> None:
        super().__init__(f"the password must have at least {min_length} characters")
        self.min_length = min_length


class EmailNotVerified(UserError):
    """The action needs the actor's email to be verified."""

    def __init__(self, email: str) -> None:
        super().__init__(f"verify the email {email} first")
        self.email = email


class InvalidToken(UserError):
    """A token from an emailed link (`kind`: verification, password reset) nobody issued, used or expired."""

    def __init__(self, kind: str = "verification") -> None:
        super().__init__(f"this {kind} link is not valid (used, expired or unknown)")
        self.kind = kind


class MembershipError(AccountsError):
    """A membership cannot be created, changed or removed."""


class AlreadyMember(MembershipError):
    """The user already has access to the shop (as owner or member)."""

    def __init__(self, shop_id: int, email: str) -> None:
        super().__init__(f"{email} already has access to shop {shop_id}")
        self.shop_id = shop_id
        self.email = email


class MemberNotFound(MembershipError):
    """The user has no membership in the shop."""

    def __init__(self, shop_id: int, user_id: int) -> None:
        super().__init__(f"user {user_id} is not a member of shop {shop_id}")
        self.shop_id = shop_id
        self.user_id = user_id


class OwnerCannotLeave(MembershipError):
    """A shop always has exactly one owner; ownership moves only by transfer."""

    def __init__(self, shop_id: int) -> None:
        super().__init__(f"the owner cannot leave or be removed from shop {shop_id}; transfer the shop first")
        self.shop_id = shop_id


class LevelNotGrantable(MembershipError):
    """Owner is never granted (only transferred), and nobody grants above their own level."""

    def __init__(self, level: str, actor_level: str) -> None:
        who = "an owner" if actor_level == "owner" else f"{_a(actor_level)} {actor_level} member"
        why = "; ownership moves only by transfer" if level == "owner" else ""
        super().__init__(f"{who} cannot grant {level} access{why}")
        self.level = level
        self.actor_level = actor_level


class ProfileNotGrantable(MembershipError):
    """Nobody grants a profile (or project scope) allowing more than they may do themselves."""

    def __init__(self, profile: str) -> None:
        super().__init__(f"you cannot grant the profile {profile!r}: it allows more than you may do")
        self.profile = profile


class UnknownProfile(MembershipError):
    """Neither a built-in profile nor one the shop defined."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown profile {name!r}; known: {', '.join(known)}")
        self.name = name
        self.known = known


class ProfileExists(MembershipError):
    """The shop (or the built-in set) already has a profile of this name."""

    def __init__(self, shop_id: int, name: str) -> None:
        super().__init__(f"shop {shop_id} already has a profile {name!r}")
        self.shop_id = shop_id
        self.name = name


class ProfileInUse(MembershipError):
    """A profile still held cannot be deleted: the holders would silently lose what it allows."""

    def __init__(self, name: str, holders: list[str]) -> None:
        super().__init__(f"the profile {name!r} is held by {', '.join(holders)}; give them other profiles first")
        self.name = name
        self.holders = holders


class InvitationInvalid(AccountsError):
    """The invitation cannot be used: unknown, accepted, revoked or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"this invitation cannot be accepted: {reason}")
        self.reason = reason


class InvitationWrongAccount(InvitationInvalid):
    """Only the account with the invited, verified email may accept.

    Whoever holds the link sees this, so the address is masked (`b***@agency.cz`): enough for the
    invitee to recognise which of their accounts to use, not a full address for anyone else.
    """

    def __init__(self, email: str) -> None:
        masked = mask_email(email)
        AccountsError.__init__(self, f"this invitation was sent to another email; sign in as {masked}")
        self.reason = "wrong account"
        self.masked_email = masked


class InvitationsThrottled(AccountsError):
    """The shop (`scope` "shop") or the inviting user ("user") emailed `limit` invitations within the last hour;
    `retry_after_s`: until the oldest of them ages out and the next may go."""

    def __init__(self, scope: str, limit: int, retry_after_s: int) -> None:
        minutes = max(1, -(-retry_after_s // 60))
        when = f"the next can go out in {minutes} minute{'s' if minutes > 1 else ''}"
        invitations = f"{limit} invitation{'s' if limit > 1 else ''} an hour"
        if scope == "shop":
            message = f"this shop has reached its limit of {invitations}; {when}"
        else:
            message = f"you have reached your limit of {invitations}, over all your shops; {when}"
        super().__init__(message)
        self.scope = scope
        self.limit = limit
        self.retry_after_s = retry_after_s


class TransferError(AccountsError):
    """A shop transfer cannot be started, accepted or cancelled."""


class TransferPending(TransferError):
    """At most one transfer per shop may be pending."""

    def __init__(self, shop_id: int) -> None:
        super().__init__(f"shop {shop_id} already has a pending transfer; cancel it first")
        self.shop_id = shop_id


class TransferInvalid(TransferError):
    """The transfer is unknown, already decided, expired, or meant for someone else."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"this transfer cannot be used: {reason}")
        self.reason = reason


class ShopStateError(AccountsError):
    """The shop's status does not allow this (e.g. restore after the grace period)."""

    def __init__(self, shop_id: int, reason: str) -> None:
        super().__init__(f"shop {shop_id}: {reason}")
        self.shop_id = shop_id
        self.reason = reason


class InvalidName(AccountsError):
    """Names are trimmed, must not be empty and must fit their column."""

    def __init__(self, kind: str, name: str, max_length: int) -> None:
        super().__init__(f"{_a(kind)} {kind} name must have 1 to {max_length} characters, not {name!r}")
        self.kind = kind
        self.name = name
        self.max_length = max_length


class BillingError(AccountsError):
    """An invoice cannot be computed, issued or paid."""


class UnknownBillingPeriod(BillingError):
    """A billing period key that is not in the table."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown billing period {name!r}; known: {', '.join(known)}")
        self.name = name
        self.known = known


class PeriodAlreadyInvoiced(BillingError):
    """The requested period overlaps one already invoiced for this shop."""

    def __init__(self, shop_id: int, period: str, number: str) -> None:
        super().__init__(f"shop {shop_id}: {period} is already covered by invoice {number}")
        self.shop_id = shop_id
        self.period = period
        self.number = number


class InvoiceNotFound(BillingError):
    """No invoice has this number."""

    def __init__(self, number: str) -> None:
        super().__init__(f"no invoice {number}")
        self.number = number


class PaymentRefused(BillingError):
    """A payment that cannot be recorded (why)."""

    def __init__(self, number: str, reason: str) -> None:
        super().__init__(f"payment for invoice {number} refused: {reason}")
        self.number = number


class ProjectError(AccountsError):
    """A project or revision problem."""


class ProjectBusy(ProjectError):
    """A run of the project holds its run lock: what needs the project to itself waits for it to end."""

    def __init__(self, project_id: int, *, then: str) -> None:
        super().__init__(f"a run of project {project_id} is in progress; {then} when it has ended")
        self.project_id = project_id


class ProjectExists(ProjectError):
    """Project names are unique within a shop."""

    def __init__(self, shop_id: int, name: str) -> None:
        super().__init__(f"shop {shop_id} already has a project named {name!r}")
        self.shop_id = shop_id
        self.name = name


class ExportTargetTaken(ProjectError):
    """Publish targets are unique across all shops: one project must not overwrite another's export."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"another project already publishes to {uri!r}; choose another path or key")
        self.uri = uri


class RevisionNotFound(ProjectError):
    """The project has no revision with this number."""

    def __init__(self, project_id: int, number: int) -> None:
        super().__init__(f"project {project_id} has no revision {number}")
        self.project_id = project_id
        self.number = number


class MailError(AccountsError):
    """Sending failed; a retry may succeed."""

    transient = True

    def __init__(self, recipient: str, reason: str) -> None:
        super().__init__(f"could not send email to {recipient}: {reason}")
        self.recipient = recipient
        self.reason = reason


class LoginThrottled(UserError):
    """Too many recent failed logins for this email or client address; the same for unknown emails."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after_s} seconds")
        self.retry_after_s = retry_after_s


class AlreadyVerified(UserError):
    """The email is already verified, so there is no verification link to send."""

    def __init__(self, email: str) -> None:
        super().__init__(f"the email {email} is already verified")
        self.email = email


class ApiTokenNotFound(UserError):
    """The actor has no API token with this id (another user's token looks the same: nothing leaks)."""

    def __init__(self, token_id: int) -> None:
        super().__init__(f"you have no API token {token_id}")
        self.token_id = token_id


def mask_email(email: str) -> str:
    """The address as shown to someone who may not know it: first character, `***`, then the domain."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def _a(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
