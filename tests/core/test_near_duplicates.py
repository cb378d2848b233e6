"""The same story from two sources reaches a destination once: the second is recorded as a
skipped delivery naming the first; another story that only looks alike goes out; a replay of the
first is no duplicate of itself; and a second process sees what the first one delivered."""

from __future__ import annotations

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.rules.index import RuleIndex
from models import Delivery, RecentFingerprint, Rule
from models.forwarding import PENDING, SKIPPED
from tests.core.conftest import DEST_A, DEST_B, SRC, channel_message

OTHER_SRC = -1001000000102
STORY = (
    "Central bank raises key rate to 18%. The regulator cited persistent inflation and strong "
    "consumer demand. The next meeting is scheduled for December 20."
)
REWORDED = (
    "⚡️ BREAKING: The central bank has raised its key rate to 18%. The regulator cited "
    "persistent inflation and strong consumer demand. Next meeting: December 20.\n\n"
    "#economy #rates\nSubscribe: @money_wire"
)
LOOK_ALIKE = STORY.replace("raises", "keeps").replace("to 18%", "at 16%")


async def two_source_rule(index: RuleIndex, **filters: object) -> Rule:
    rule = await Rule.create(
        name="rates",
        sources=[
            {"chat_id": chat, "thread_id": None, "title": title}
            for chat, title in ((SRC, "Wire"), (OTHER_SRC, "Money"))
        ],
        destinations=[{"chat_id": d, "thread_id": None, "title": ""} for d in (DEST_A, DEST_B)],
        filters={"near_duplicates_minutes": 60, **filters},
    )
    await index.reload()
    return rule


async def test_the_same_story_from_a_second_source_is_skipped_as_a_near_duplicate(
    db: str, outbox: Outbox
) -> None:
    index = RuleIndex()
    await two_source_rule(index)
    ingest = Ingest(index, outbox)

    assert await ingest.post(channel_message(11, chat_id=SRC, text=STORY)) == 2
    assert await ingest.post(channel_message(5, chat_id=OTHER_SRC, text=REWORDED)) == 0
    assert await ingest.post(channel_message(12, chat_id=SRC, text=LOOK_ALIKE)) == 2

    rows = await Delivery.filter(source_chat_id=OTHER_SRC).values_list(
        "dest_chat_id", "status", "last_error"
    )
    assert sorted(rows) == sorted(
        (dest, SKIPPED, f"near-duplicate of {SRC}/11") for dest in (DEST_A, DEST_B)
    )
    assert await Delivery.filter(source_chat_id=SRC, status=PENDING).count() == 4
    assert ingest.stats.duplicates == 2


async def test_a_replayed_post_is_no_near_duplicate_of_itself(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await two_source_rule(index)
    ingest = Ingest(index, outbox)
    post = channel_message(11, chat_id=SRC, text=STORY)

    await ingest.post(post)
    await Ingest(index, outbox).post(post)  # after a restart: the index is read back

    assert await Delivery.filter(status=SKIPPED).count() == 0
    assert await RecentFingerprint.filter(message_id=11).count() == 2  # one per destination


async def test_a_second_process_sees_what_the_first_delivered(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await two_source_rule(index)
    first, second = Ingest(index, outbox), Ingest(index, Outbox("core-test-2"))

    await second.post(channel_message(1, chat_id=SRC, text=LOOK_ALIKE))  # second reads early
    assert await first.post(channel_message(11, chat_id=SRC, text=STORY)) == 2
    assert await second.post(channel_message(5, chat_id=OTHER_SRC, text=REWORDED)) == 0


async def test_without_the_setting_both_sources_go_out(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await two_source_rule(index, near_duplicates_minutes=None)
    ingest = Ingest(index, outbox)

    assert await ingest.post(channel_message(11, chat_id=SRC, text=STORY)) == 2
    assert await ingest.post(channel_message(5, chat_id=OTHER_SRC, text=REWORDED)) == 2
    assert not await RecentFingerprint.exists()
