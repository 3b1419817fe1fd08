"""Repositories on SQLite and PostgreSQL (the same tests, parametrised by the db fixture)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from storage.db import schema_is_current
from storage.models import AuditEntry, DialogueState, Invite, ProcessedUpdate, User, utcnow
from storage.repositories import Repositories


async def test_schema_is_at_the_newest_migration(database_url):
    assert await schema_is_current(database_url)


async def test_touch_creates_once_and_clears_blocked(db):
    now = utcnow()
    async with db.transaction() as session:
        await Repositories(session).users.touch(7, now)
    async with db.transaction() as session:
        await Repositories(session).users.mark_blocked(7, now)
    async with db.transaction() as session:
        user = await session.get(User, 7)
        assert user.blocked_at is not None
        assert user.created_at.tzinfo is not None  # aware UTC on both backends
        await Repositories(session).users.touch(7, now + timedelta(minutes=1))
    async with db.transaction() as session:
        user = await session.get(User, 7)
        assert user.blocked_at is None
        assert user.last_seen_at == now  # a minute later is not worth a write
        assert await session.scalar(select(func.count()).select_from(User)) == 1
        await Repositories(session).users.touch(7, now + timedelta(hours=2))
    async with db.transaction() as session:
        assert (await session.get(User, 7)).last_seen_at == now + timedelta(hours=2)


async def test_update_ids_are_claimed_once(db):
    async with db.transaction() as session:
        assert await Repositories(session).updates.claim(1001)
        assert not await Repositories(session).updates.claim(1001)
    async with db.transaction() as session:
        assert not await Repositories(session).updates.claim(1001)
        assert await Repositories(session).updates.claim(1002)


async def test_concurrent_claims_of_one_update_yield_one_winner(db):
    async def claim() -> bool:
        async with db.transaction() as session:
            return await Repositories(session).updates.claim(5005)

    results = await asyncio.gather(*(claim() for _ in range(5)), return_exceptions=True)
    wins = [r for r in results if r is True]
    assert len(wins) == 1, results


async def test_prune_old_update_ids(db):
    now = utcnow()
    async with db.transaction() as session:
        repos = Repositories(session)
        await repos.updates.claim(1, now - timedelta(days=10))
        await repos.updates.claim(2, now)
    async with db.transaction() as session:
        assert await Repositories(session).updates.prune(now - timedelta(days=7)) == 1
        assert await session.get(ProcessedUpdate, 2) is not None


async def test_dialogue_state_round_trip(db):
    async with db.transaction() as session:
        state = await Repositories(session).dialogues.load(99)
        state.flow, state.step, state.data, state.seq = "onboarding", "privacy", {"a": [1]}, 3
    async with db.transaction() as session:
        state = await session.get(DialogueState, 99)
        assert (state.flow, state.step, state.data, state.seq) == (
            "onboarding",
            "privacy",
            {"a": [1]},
            3,
        )


async def test_invite_is_single_use_and_expires(db):
    now = utcnow()
    async with db.transaction() as session:
        repos = Repositories(session)
        for user_id in (1, 2, 3):
            await repos.users.touch(user_id, now)
        fresh = await repos.invites.create("digibuddy", 1, now, timedelta(days=7))
        old = await repos.invites.create("organiser", 1, now - timedelta(days=8), timedelta(days=7))
    async with db.transaction() as session:
        result = await Repositories(session).invites.redeem(fresh.code, 2, now)
        assert result.ok and result.role == "digibuddy"
    async with db.transaction() as session:
        repos = Repositories(session)
        assert (await repos.invites.redeem(fresh.code, 3, now)).reason == "used"
        assert (await repos.invites.redeem(old.code, 3, now)).reason == "expired"
        assert (await repos.invites.redeem("inv_nope", 3, now)).reason == "unknown"


async def test_simultaneous_redemptions_give_one_role(db):
    now = utcnow()
    async with db.transaction() as session:
        repos = Repositories(session)
        for user_id in (1, 2, 3):
            await repos.users.touch(user_id, now)
        code = (await repos.invites.create("digibuddy", 1, now, timedelta(days=1))).code

    async def redeem(user_id: int) -> bool:
        async with db.transaction() as session:
            return (await Repositories(session).invites.redeem(code, user_id, now)).ok

    results = await asyncio.gather(redeem(2), redeem(3), return_exceptions=True)
    assert [r for r in results if r is True] == [True], results


async def test_forget_removes_every_row_about_the_user(db):
    now = utcnow()
    async with db.transaction() as session:
        repos = Repositories(session)
        await repos.users.touch(10, now)
        await repos.users.touch(11, now)
        await repos.dialogues.load(10)
        invite = await repos.invites.create("digibuddy", 11, now, timedelta(days=1))
        await repos.audit.record(11, "invite.create", detail="digibuddy")
    async with db.transaction() as session:
        await Repositories(session).invites.redeem(invite.code, 10, now)
        await Repositories(session).audit.record(10, "invite.redeem", 10, "digibuddy")
    async with db.transaction() as session:
        await Repositories(session).users.forget(10)
    async with db.transaction() as session:
        assert await session.get(User, 10) is None
        assert await session.get(DialogueState, 10) is None
        audit = list(await session.scalars(select(AuditEntry)))
        assert all(10 not in (a.actor_id, a.target_id) for a in audit)
        invites = list(await session.scalars(select(Invite)))
        assert all(i.used_by != 10 for i in invites)
        assert await session.get(User, 11) is not None  # others untouched


async def test_retention_forgets_inactive_and_unconsented(db):
    from bot.chores import apply_retention

    now = utcnow()
    async with db.transaction() as session:
        repos = Repositories(session)
        (await repos.users.touch(1, now - timedelta(days=400))).consent_at = now
        (await repos.users.touch(2, now - timedelta(days=10))).consent_at = None
        (await repos.users.touch(3, now - timedelta(days=10))).consent_at = now
        await repos.users.touch(4, now)
        await repos.updates.claim(77, now - timedelta(days=30))
    forgotten, pruned, messages, _anonymised = await apply_retention(
        db, retention_days=365, clock=lambda: now
    )
    assert (forgotten, pruned, messages) == (2, 1, 0)
    async with db.transaction() as session:
        ids = set(await session.scalars(select(User.id)))
        assert ids == {3, 4}


async def test_case_retention_keeps_anonymous_statistics(db):
    from bot.chores import apply_retention
    from storage.models import Case, CaseMessage
    from storage.seeding import seed_records

    now = utcnow()
    old = now - timedelta(days=40)
    async with db.transaction() as session:
        repos = Repositories(session)
        await repos.sites.upsert(seed_records())
        await repos.users.touch(1, now)
        case, _new = await repos.cases.open(1, "leuven", "itsme", "nl", old)
        await session.flush()
        await repos.cases.add_message(case, "citizen", None, "text", "oud bericht", old)
        await repos.cases.close(case, "citizen", old)
        case.rating = 4
    _forgotten, _pruned, deleted, _anonymised = await apply_retention(
        db, 365, 30, clock=lambda: now
    )
    assert deleted == 1
    async with db.transaction() as session:
        [kept] = list(await session.scalars(select(Case)))
        assert (kept.citizen_id, kept.rating, kept.status) == (None, 4, "closed")
        assert list(await session.scalars(select(CaseMessage))) == []
