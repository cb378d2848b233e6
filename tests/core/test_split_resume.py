"""A post sent as several messages resumes where it stopped: a part refused on the way is sent
again on the retry, the parts already in the destination are not, and the links cover them all."""

from __future__ import annotations

import time

from aiogram import Bot
from aiogram.exceptions import TelegramServerError

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.ratelimit import RateLimiter
from bot.forwarding.delivery.rows import NewDelivery
from bot.forwarding.delivery.sender import Sender
from bot.forwarding.delivery.worker import Workers
from bot.forwarding.intake.reading import payload_of, post_of
from bot.forwarding.rules.index import RuleIndex
from bot.runtime.alerts import Alerts
from models import Delivery, MessageLink, Rule
from models.forwarding import SENT
from sandbox.telegram.standin import TelegramStandIn
from tests.conftest import wait_until
from tests.core.conftest import DEST_A, OWNER, SRC, add_rule, message

# A caption far over 1024 characters: the photo with its first part, then two follow-up texts.
LONG_HTML = "\n\n".join(f"<b>Paragraph {n}</b>: " + "word " * 80 for n in range(20))


async def enqueue_photo_with_long_caption(tg: TelegramStandIn, rule: Rule, outbox: Outbox) -> None:
    """A photo post whose transformed caption (as a reviewer's edit leaves it) is LONG_HTML."""
    source = message(tg.channel_post(SRC, photo=True, caption="rates cut"))
    payload = payload_of(source, post_of(source)).approve(LONG_HTML)
    now = time.time()
    row = NewDelivery(
        rule.id, DEST_A, 0, SRC, "m:1", [source.message_id], "post", payload, None, now, now
    )
    await outbox.add([row])


async def never_paused(rule_id: int, reason: str) -> None:
    raise AssertionError(f"rule {rule_id} paused: {reason}")


def sent_texts(tg: TelegramStandIn) -> list[str]:
    return [m.get("caption") or m.get("text", "") for m in tg.bot_messages(DEST_A)]


async def test_a_refused_second_part_is_sent_on_the_retry_and_the_first_is_not_sent_again(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    index = RuleIndex()
    rule = await add_rule(index)
    outbox = Outbox("split")
    await enqueue_photo_with_long_caption(tg, rule, outbox)
    tg.fail_next("sendMessage", 500)
    sender = Sender(bot)
    view = index.get(rule.id)
    assert view is not None

    (first,) = await outbox.claim(1)
    try:
        await sender.send(first, view, progress=outbox)
        raise AssertionError("the second part should have been refused")
    except TelegramServerError:
        await outbox.retry(first, "refused", 0)
    assert len(tg.bot_messages(DEST_A)) == 1

    (again,) = await outbox.claim(1)
    links = await sender.send(again, view, progress=outbox)
    await outbox.done(again, links)

    messages = tg.bot_messages(DEST_A)
    assert len(messages) == 3
    assert "photo" in messages[0] and "Paragraph 0" in messages[0]["caption"]
    assert [m["message_id"] for m in messages] == sorted(m["message_id"] for m in messages)
    assert len(tg.calls_to("copyMessage")) == 1 and len(tg.calls_to("sendMessage")) == 3
    stored = await MessageLink.filter(source_message_id=again.source_message_ids[0]).order_by(
        "part"
    )
    assert [(link.part, link.dest_message_id) for link in stored] == [
        (n, m["message_id"]) for n, m in enumerate(messages)
    ]


async def test_the_workers_resume_a_split_post_after_a_flood_wait_on_its_second_part(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    index = RuleIndex()
    rule = await add_rule(index)
    outbox = Outbox("split-workers")
    await enqueue_photo_with_long_caption(tg, rule, outbox)
    tg.fail_next("sendMessage", 429, retry_after=1)
    workers = Workers(
        outbox=outbox,
        index=index,
        sender=Sender(bot),
        limiter=RateLimiter(),
        alerts=Alerts(bot, OWNER),
        pause_rule=never_paused,
        concurrency=1,
    )
    workers.start()
    try:
        await wait_until(lambda: Delivery.filter(status=SENT).exists(), message="the post sent")
    finally:
        await workers.stop(5.0)

    texts = sent_texts(tg)
    assert len(texts) == 3
    first_paragraphs = [int(text.removeprefix("Paragraph ").split(":")[0]) for text in texts]
    assert first_paragraphs[0] == 0 and first_paragraphs == sorted(set(first_paragraphs))
    assert "".join(texts).count("Paragraph 19") == 1
    assert await MessageLink.filter(rule_id=rule.id).count() == 3
    delivery = await Delivery.get(rule_id=rule.id)
    assert len(delivery.payload["sent"]) == 3 and delivery.attempts == 1
