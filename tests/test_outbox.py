"""The outbox on the real Postgres: order per destination, no double claims, leases, replays."""

from __future__ import annotations

import asyncio
import time

from bot.forwarding.delivery.outbox import KEEP_FINISHED_S, Outbox
from models import Delivery, Rule
from models.forwarding import IN_FLIGHT, PENDING


async def _rule() -> Rule:
    return await Rule.create(
        name="r", sources=[{"chat_id": -1001}], destinations=[{"chat_id": -2001}]
    )


def _row(rule: Rule, dest: int, message_id: int, **extra: object) -> Delivery:
    now = time.time()
    return Delivery(
        rule_id=rule.id,
        dest_chat_id=dest,
        source_chat_id=-1001,
        unit=f"m:{message_id}",
        source_message_ids=[message_id],
        payload={},
        due_at=extra.pop("due_at", now),
        created_at=now,
        **extra,
    )


async def test_only_the_oldest_unfinished_delivery_of_a_chat_is_claimable(db: str) -> None:
    rule = await _rule()
    await Delivery.bulk_create([_row(rule, -2001, i) for i in (1, 2, 3)] + [_row(rule, -2002, 9)])
    outbox = Outbox("w1")

    first = await outbox.claim(10)
    assert sorted((c.dest_chat_id, c.source_message_ids) for c in first) == [
        (-2002, (9,)),
        (-2001, (1,)),
    ]
    assert await outbox.claim(10) == []  # both chats have one in flight

    await outbox.done(next(c for c in first if c.dest_chat_id == -2001), [])
    (second,) = await outbox.claim(10)
    assert second.source_message_ids == (2,)


async def test_a_delivery_waiting_to_retry_holds_back_later_ones(db: str) -> None:
    rule = await _rule()
    await Delivery.bulk_create([_row(rule, -2001, 1), _row(rule, -2001, 2)])
    outbox = Outbox("w1")
    (first,) = await outbox.claim(5)
    await outbox.retry(first, "network", delay=60)
    assert await outbox.claim(5) == []  # message 2 must not overtake message 1


async def test_two_workers_on_postgres_never_claim_the_same_delivery(db: str) -> None:
    rule = await _rule()
    chats = [-3000 - n for n in range(40)]
    await Delivery.bulk_create([_row(rule, chat, m) for chat in chats for m in range(1, 6)])
    workers = [Outbox(f"w{n}") for n in range(4)]
    claimed: list[tuple[str, int]] = []
    in_flight_by_chat: dict[int, str] = {}
    order_by_chat: dict[int, list[int]] = {}
    violations: list[str] = []

    async def work(outbox: Outbox) -> None:
        idle = 0
        while idle < 3:
            got = await outbox.claim(3)
            if not got:
                idle += 1
                await asyncio.sleep(0)
                continue
            idle = 0
            for item in got:
                if item.dest_chat_id in in_flight_by_chat:
                    violations.append(f"two in flight for {item.dest_chat_id}")
                in_flight_by_chat[item.dest_chat_id] = outbox.worker_id
                claimed.append((outbox.worker_id, item.id))
                order_by_chat.setdefault(item.dest_chat_id, []).append(item.source_message_ids[0])
            await asyncio.sleep(0)
            for item in got:
                del in_flight_by_chat[item.dest_chat_id]
                await outbox.done(item, [])

    await asyncio.gather(*(work(w) for w in workers))

    ids = [delivery_id for _, delivery_id in claimed]
    assert len(ids) == 200 and len(set(ids)) == 200, "a delivery was claimed twice or lost"
    assert not violations
    assert all(order == [1, 2, 3, 4, 5] for order in order_by_chat.values())
    assert len({worker for worker, _ in claimed}) > 1  # the work was really shared


async def test_a_dead_workers_claims_come_back_and_a_clean_stop_hands_them_back(db: str) -> None:
    rule = await _rule()
    await Delivery.bulk_create([_row(rule, -2001, 1), _row(rule, -2002, 2)])
    clock = [time.time()]
    crashed = Outbox("crashed", lease_s=30, clock=lambda: clock[0])
    stopping = Outbox("stopping", lease_s=30, clock=lambda: clock[0])
    await crashed.claim(1)
    await stopping.claim(1)

    assert await stopping.release_mine() == 1
    assert await Delivery.filter(status=IN_FLIGHT).count() == 1
    clock[0] += 31
    assert await crashed.reap() == 1
    assert await Delivery.filter(status=PENDING).count() == 2


async def test_a_replayed_post_is_stored_once(db: str) -> None:
    rule = await _rule()
    await Delivery.bulk_create([_row(rule, -2001, 7)], ignore_conflicts=True)
    await Delivery.bulk_create([_row(rule, -2001, 7)], ignore_conflicts=True)
    assert await Delivery.filter(unit="m:7").count() == 1


async def test_a_renewed_claim_outlives_its_lease_and_a_dead_workers_claim_is_handed_back(
    db: str,
) -> None:
    rule = await _rule()
    await Delivery.bulk_create([_row(rule, -2001, 1), _row(rule, -2002, 2)])
    clock = [time.time()]
    died = Outbox("died", lease_s=12, clock=lambda: clock[0])
    alive = Outbox("alive", lease_s=12, clock=lambda: clock[0])
    other = Outbox("other", lease_s=12, clock=lambda: clock[0])
    (lost,) = await died.claim(1)
    (kept,) = await alive.claim(1)

    for _ in range(4):  # the live worker renews; the dead one can't
        clock[0] += 8
        assert await alive.renew([kept.id]) == 1
        assert await other.renew([kept.id, lost.id]) == 0  # only the holder renews
        await other.reap()
    (taken,) = await other.claim(5)
    assert (taken.id, taken.attempts) == (lost.id, 2)
    assert await other.claim(5) == []
    assert await Delivery.get(id=kept.id).values_list("claimed_by", flat=True) == "alive"


async def test_old_finished_deliveries_are_purged_and_recent_ones_kept(db: str) -> None:
    rule = await _rule()
    await Delivery.bulk_create([_row(rule, -2001, 1), _row(rule, -2002, 2)])
    clock = [time.time()]
    outbox = Outbox("w1", clock=lambda: clock[0])
    for item in await outbox.claim(5):
        await outbox.done(item, [])
    clock[0] += KEEP_FINISHED_S - 1
    assert await outbox.purge() == 0
    clock[0] += 2
    assert await outbox.purge() == 2
