"""Roles: /whoami, invite links for staff of a digibank (admins only), /staff to list and
remove staff. A staff member belongs to one or more digibanks."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from flows import menu
from flows.actions import Action, Button, Reply, SetCommands
from flows.button_codec import ButtonCodec, UserId
from flows.context import Context
from flows.i18n import N_, _, format_datetime
from storage.vocabulary import INVITABLE_ROLES, STAFF_ROLES, Role

FLOW = "staff"
INVITE_TTL = timedelta(days=7)
INVITE_PREFIX = "inv_"  # deep-link payloads that are staff invites
ROLE_NAMES = {
    Role.CITIZEN: N_("citizen"),
    Role.DIGIBUDDY: N_("digibuddy"),
    Role.ORGANISER: N_("organiser"),
    Role.ADMIN: N_("admin"),
}


@dataclass(frozen=True)
class InviteDigibuddy:
    TAG: ClassVar[str] = Role.DIGIBUDDY


@dataclass(frozen=True)
class InviteOrganiser:
    TAG: ClassVar[str] = Role.ORGANISER


@dataclass(frozen=True)
class ForBank:
    """The digibank of an invite (`bank.<digibank id>`)."""

    TAG: ClassVar[str] = "bank"
    digibank_id: str


@dataclass(frozen=True)
class Remove:
    """No longer staff (`rm.<user id>`)."""

    TAG: ClassVar[str] = "rm"
    user_id: UserId


STAFF_BUTTONS = ButtonCodec(InviteDigibuddy, InviteOrganiser, ForBank, Remove)
_INVITE_KINDS = {Role.DIGIBUDDY: InviteDigibuddy, Role.ORGANISER: InviteOrganiser}
assert set(_INVITE_KINDS) == set(INVITABLE_ROLES)


def _button(ctx: Context, label: str, button: object) -> Button:
    return ctx.step_button(label, STAFF_BUTTONS.encode(button))


# What each staff role adds to the "/" list of its chat, on top of the previous role's
# (in this order: an organiser has a digibuddy's commands too).
ROLE_COMMANDS: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.DIGIBUDDY: (
        ("agenda", N_("Appointments today and tomorrow")),
        ("queue", N_("Questions waiting for a person")),
        ("cases", N_("The questions you help with")),
        ("duty", N_("On or off duty")),
        ("offer", N_("Offer a booking to the person you help")),
        ("note", N_("A note on the question, for staff only")),
        ("transfer", N_("Give the question to someone else")),
        ("release", N_("Put the question back in the queue")),
        ("close", N_("Close the question")),
        ("languages", N_("The languages you speak")),
    ),
    Role.ORGANISER: (
        ("stats", N_("Figures of your digibank")),
        ("sites", N_("Your sites and hours, as a file")),
        ("anonymous", N_("Hide the first names of digibuddies")),
    ),
    Role.ADMIN: (
        ("invite", N_("Invite a digibuddy or organiser")),
        ("staff", N_("Everyone on the staff")),
    ),
}
BASIC_COMMANDS = ("menu", "help", "language", "cancel")  # of the citizens' list


def command_menu(user_id: int, role: str) -> SetCommands:
    """The "/" list of a staff member's chat, in the current language; a citizen's is the
    one everybody sees."""
    if role not in STAFF_ROLES:
        return SetCommands(user_id)
    commands: list[tuple[str, str]] = []
    for level, added in ROLE_COMMANDS.items():
        commands += [(name, _(text)) for name, text in added]
        if level == role:
            break
    commands += [(name, _(text)) for name, text in menu.COMMANDS if name in BASIC_COMMANDS]
    commands.append(("whoami", _("Your role")))
    return SetCommands(user_id, tuple(commands))


def role_name(role: str) -> str:
    return _(ROLE_NAMES.get(role, ROLE_NAMES[Role.CITIZEN]))


def refuse(ctx: Context) -> list[Action]:
    return [Reply(_("⛔ Sorry, this is only for digibank staff."), buttons=(menu.home_row(),))]


async def own_digibanks(ctx: Context) -> list[str] | None:
    """The digibanks whose cases and sites this person may handle; None: all (an admin)."""
    if ctx.role == Role.ADMIN:
        return None
    return await ctx.repos.memberships.of(ctx.user.id)


async def digibank_names(ctx: Context, user_id: int) -> str:
    names = []
    for bank_id in await ctx.repos.memberships.of(user_id):
        bank = await ctx.repos.sites.digibank(bank_id)
        names.append(html.escape(bank.name if bank else bank_id))
    return ", ".join(names)


async def whoami(ctx: Context) -> list[Action]:
    text = _("🪪 You are: <b>{role}</b>\nYour Telegram number: <code>{user_id}</code>").format(
        role=role_name(ctx.role), user_id=ctx.user.id
    )
    banks = await digibank_names(ctx, ctx.user.id)
    if banks:
        text += "\n" + _("🏢 Digibank: {names}").format(names=banks)
    return [Reply(text, buttons=(menu.home_row(),))]


async def invite(ctx: Context, args: str) -> list[Action]:
    """/invite [digibuddy|organiser] [digibank]: admins only."""
    if ctx.role != Role.ADMIN:
        return refuse(ctx)
    words = args.lower().split()
    role = words[0] if words and words[0] in INVITABLE_ROLES else None
    if role is None:
        ctx.ask(FLOW, "invite_role")
        roles = tuple(
            _button(ctx, role_name(r).capitalize(), _INVITE_KINDS[r]()) for r in INVITABLE_ROLES
        )
        return [Reply(_("🔗 Who is the invite for?"), buttons=(roles, menu.home_row()))]
    bank_id = words[1] if len(words) > 1 else None
    if bank_id is not None and await ctx.repos.sites.digibank(bank_id) is not None:
        return await _create_invite(ctx, role, bank_id)
    return await _ask_digibank(ctx, role)


async def _ask_digibank(ctx: Context, role: str) -> list[Action]:
    banks = await ctx.repos.sites.digibanks()
    if not banks:  # no sites loaded yet: staff of no digibank in particular
        return await _create_invite(ctx, role, None)
    ctx.ask(FLOW, "invite_bank", role=role)
    rows = tuple((_button(ctx, bank.name, ForBank(bank.id)),) for bank in banks)
    return [Reply(_("🏢 For which digibank?"), buttons=(*rows, menu.home_row()))]


async def _create_invite(ctx: Context, role: str, bank_id: str | None) -> list[Action]:
    created = await ctx.repos.invites.create(
        role, ctx.user.id, ctx.now, INVITE_TTL, INVITE_PREFIX, bank_id
    )
    await ctx.repos.audit.record(ctx.user.id, "invite.create", detail=f"{role} {bank_id or ''}")
    link = f"https://t.me/{ctx.settings.bot_username}?start={created.code}"
    ctx.finish()
    text = _(
        "🔗 Invite link for a <b>{role}</b>:\n{link}\n\n"
        "It works once and until {expires}. Send it only to that person."
    ).format(role=role_name(role), link=link, expires=format_datetime(created.expires_at, ctx.tz))
    return [Reply(text, buttons=(menu.home_row(),))]


async def redeem(ctx: Context, code: str) -> list[Action]:
    """/start inv_…: grant the role (and the digibank), or say plainly why not."""
    result = await ctx.repos.invites.redeem(code, ctx.user.id, ctx.now)
    if not result.ok:
        reasons = {
            "used": _("⚠️ This invite link was already used."),
            "expired": _("⚠️ This invite link has expired. Ask for a new one."),
        }
        return [Reply(reasons.get(result.reason, _("⚠️ This invite link is not valid.")))]
    demotion = ctx.user.role == Role.ORGANISER and result.role == Role.DIGIBUDDY
    if not demotion:  # an organiser invited as a digibuddy stays an organiser
        ctx.user.role = result.role
    if result.digibank_id is not None:
        await ctx.repos.memberships.add(ctx.user.id, result.digibank_id)
    await ctx.repos.staff.ensure_profile(ctx.user.id, ctx.first_name)
    await ctx.repos.audit.record(
        ctx.user.id, "invite.redeem", target_id=ctx.user.id, detail=result.role
    )
    text = _("🎉 Welcome to the team! You are now a <b>{role}</b>.").format(
        role=role_name(ctx.user.role)
    )
    text += "\n" + _("👇 Your staff commands are in the menu: tap / to see them.")
    return [Reply(text), command_menu(ctx.user.id, ctx.role)]


async def list_staff(ctx: Context) -> list[Action]:
    if ctx.role != Role.ADMIN:
        return refuse(ctx)
    staff = await ctx.repos.users.staff()
    if not staff:
        ctx.finish()
        text = _("👥 There is no staff yet. Use /invite to add someone.")
        return [Reply(text, buttons=(menu.home_row(),))]
    ctx.ask(FLOW, "staff_list")
    lines = [_("👥 <b>Staff</b>")]
    rows: list[tuple[Button, ...]] = []
    for member in staff:
        banks = await digibank_names(ctx, member.id)
        line = f"• <code>{member.id}</code> · {role_name(member.role)}"
        lines.append(f"{line} · {banks}" if banks else line)
        label = _("➖ Remove {user_id}").format(user_id=member.id)
        rows.append((_button(ctx, label, Remove(member.id)),))
    rows.append(menu.home_row())
    return [Reply("\n".join(lines), buttons=tuple(rows))]


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    if ctx.role != Role.ADMIN:
        return refuse(ctx)
    button = STAFF_BUTTONS.decode(value)
    if ctx.state.step == "invite_role" and isinstance(button, InviteDigibuddy | InviteOrganiser):
        return await _ask_digibank(ctx, Role(button.TAG))
    if ctx.state.step == "invite_bank" and isinstance(button, ForBank):
        bank = await ctx.repos.sites.digibank(button.digibank_id)
        role = (ctx.state.data or {}).get("role")
        if bank is not None and role in INVITABLE_ROLES:
            return await _create_invite(ctx, role, bank.id)
    if ctx.state.step == "staff_list" and isinstance(button, Remove):
        member = await ctx.repos.users.get(button.user_id)
        if member is not None and member.role != Role.CITIZEN:
            await ctx.repos.audit.record(ctx.user.id, "role.remove", member.id, member.role)
            member.role = Role.CITIZEN
            await ctx.repos.memberships.remove_all(member.id)
        ctx.finish()
        text = _("✅ Done. That person is no longer staff.")
        cleared = [command_menu(member.id, Role.CITIZEN)] if member is not None else []
        return [Reply(text, buttons=(menu.home_row(),)), *cleared]
    return None


async def prompt(ctx: Context) -> list[Action]:
    if ctx.state.step == "staff_list":
        return await list_staff(ctx)
    role = (ctx.state.data or {}).get("role")
    if ctx.state.step == "invite_bank" and role in INVITABLE_ROLES:
        return await _ask_digibank(ctx, role)
    return await invite(ctx, "")
