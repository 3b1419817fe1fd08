"""Roles: /whoami, invite links for staff (admins only), /staff to list and remove staff."""

from __future__ import annotations

from datetime import timedelta

from flows import menu
from flows.actions import Action, Button, Reply
from flows.context import Context
from flows.i18n import N_, _, format_datetime

FLOW = "staff"
INVITE_TTL = timedelta(days=7)
INVITE_PREFIX = "inv_"  # deep-link payloads that are staff invites
INVITABLE_ROLES = ("digibuddy", "organiser")
ROLE_NAMES = {
    "citizen": N_("citizen"),
    "digibuddy": N_("digibuddy"),
    "organiser": N_("organiser"),
    "admin": N_("admin"),
}


def role_name(role: str) -> str:
    return _(ROLE_NAMES.get(role, ROLE_NAMES["citizen"]))


def refuse(ctx: Context) -> list[Action]:
    return [
        Reply(
            _("⛔ Sorry, this is only for digibank staff."),
            buttons=(menu.home_row(),),
        )
    ]


async def whoami(ctx: Context) -> list[Action]:
    text = _("🪪 You are: <b>{role}</b>\nYour Telegram number: <code>{user_id}</code>").format(
        role=role_name(ctx.role), user_id=ctx.user.id
    )
    return [Reply(text, buttons=(menu.home_row(),))]


async def invite(ctx: Context, args: str) -> list[Action]:
    """/invite [digibuddy|organiser]: admins only."""
    if ctx.role != "admin":
        return refuse(ctx)
    role = args.strip().lower()
    if role in INVITABLE_ROLES:
        return await _create_invite(ctx, role)
    ctx.ask(FLOW, "invite_role")
    return [
        Reply(
            _("🔗 Who is the invite for?"),
            buttons=(
                tuple(ctx.step_button(role_name(r).capitalize(), r) for r in INVITABLE_ROLES),
                menu.home_row(),
            ),
        )
    ]


async def _create_invite(ctx: Context, role: str) -> list[Action]:
    created = await ctx.repos.invites.create(role, ctx.user.id, ctx.now, INVITE_TTL)
    await ctx.repos.audit.record(ctx.user.id, "invite.create", detail=role)
    link = f"https://t.me/{ctx.settings.bot_username}?start={created.code}"
    ctx.finish()
    text = _(
        "🔗 Invite link for a <b>{role}</b>:\n{link}\n\n"
        "It works once and until {expires}. Send it only to that person."
    ).format(role=role_name(role), link=link, expires=format_datetime(created.expires_at))
    return [Reply(text, buttons=(menu.home_row(),))]


async def redeem(ctx: Context, code: str) -> list[Action]:
    """/start inv_…: grant the role, or say plainly why not."""
    result = await ctx.repos.invites.redeem(code, ctx.user.id, ctx.now)
    if not result.ok:
        reasons = {
            "used": _("⚠️ This invite link was already used."),
            "expired": _("⚠️ This invite link has expired. Ask for a new one."),
        }
        return [Reply(reasons.get(result.reason, _("⚠️ This invite link is not valid.")))]
    ctx.user.role = result.role
    await ctx.repos.audit.record(
        ctx.user.id, "invite.redeem", target_id=ctx.user.id, detail=result.role
    )
    return [
        Reply(
            _("🎉 Welcome to the team! You are now a <b>{role}</b>.").format(
                role=role_name(result.role)
            )
        )
    ]


async def list_staff(ctx: Context) -> list[Action]:
    if ctx.role != "admin":
        return refuse(ctx)
    staff = await ctx.repos.users.staff()
    ctx.ask(FLOW, "staff_list")
    if not staff:
        ctx.finish()
        return [
            Reply(
                _("👥 There is no staff yet. Use /invite to add someone."),
                buttons=(menu.home_row(),),
            )
        ]
    lines = [_("👥 <b>Staff</b>")]
    rows: list[tuple[Button, ...]] = []
    for member in staff:
        lines.append(f"• <code>{member.id}</code> · {role_name(member.role)}")
        rows.append(
            (
                ctx.step_button(
                    _("➖ Remove {user_id}").format(user_id=member.id), f"rm.{member.id}"
                ),
            )
        )
    rows.append(menu.home_row())
    return [Reply("\n".join(lines), buttons=tuple(rows))]


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    if ctx.role != "admin":
        return refuse(ctx)
    if ctx.state.step == "invite_role" and value in INVITABLE_ROLES:
        return await _create_invite(ctx, value)
    if ctx.state.step == "staff_list" and value.startswith("rm.") and value[3:].isdigit():
        member = await ctx.repos.users.get(int(value[3:]))
        if member is not None and member.role != "citizen":
            await ctx.repos.audit.record(ctx.user.id, "role.remove", member.id, member.role)
            member.role = "citizen"
        ctx.finish()
        return [Reply(_("✅ Done. That person is no longer staff."), buttons=(menu.home_row(),))]
    return None


async def prompt(ctx: Context) -> list[Action]:
    if ctx.state.step == "staff_list":
        return await list_staff(ctx)
    return await invite(ctx, "")
