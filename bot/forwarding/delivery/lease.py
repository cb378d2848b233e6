"""Claim leases kept alive while their work runs: short leases, renewed by one heartbeat.

A claim is a lease of ``LEASE_S`` seconds (outbox). While a worker of this process still works on
a delivery (AI retries, flood waits, a slow send) the pool's one :class:`Heartbeat` renews it
every ``HEARTBEAT_S`` seconds, so a live worker's claim never runs out however long its work takes
and no second worker can claim it and send it twice. When the process dies (kill -9, a lost dyno)
the renewals stop; every dyno's reaper (every ``REAP_EVERY_S``, worker) hands expired claims back,
so a dead owner's deliveries go out again at most ``LEASE_S + REAP_EVERY_S`` = 15 s after its last
renewal.

Why these figures: the lease bounds how long a dead owner blocks its destination chats, so it
is short; the heartbeat renews three times per lease, so two renewals in a row can fail (a slow
or briefly unreachable database) before a claim is lost. Taking expired claims over in the reap
rather than in the claim keeps the claim one index scan in due order. One renewal per pool, not
one per delivery, keeps it to one UPDATE every few seconds however many deliveries are in
flight. It renews only the ids the workers hold now (conditional on ``claimed_by`` being this
process), not every row with this process's name: a restarted dyno can get the same name (its
``DYNO`` and pid) and must not revive the claims its previous life left behind.
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.forwarding.delivery.outbox import Outbox
from bot.runtime.db import log_unavailable, unavailable
from bot.runtime.logging import get_logger

log = get_logger(__name__)

HEARTBEAT_S = 4.0


class Heartbeat:
    """Renews the leases of the deliveries this process's workers hold, until stopped."""

    def __init__(self, outbox: Outbox, interval_s: float = HEARTBEAT_S) -> None:
        self.outbox = outbox
        self.interval_s = interval_s
        self.held: set[int] = set()
        self._stopped = asyncio.Event()
        self._short = False  # the last beat renewed fewer leases than were held

    def stop(self) -> None:
        self._stopped.set()

    async def run(self) -> None:
        while not self._stopped.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.interval_s)
            if self.held:
                await self.beat()

    async def beat(self) -> None:
        """Renew every held lease once; a failure is logged and the next beat tries again."""
        held = list(self.held)
        try:
            renewed = await self.outbox.renew(held)
        except Exception as error:
            if unavailable(error):
                log_unavailable("lease_renew_failed", error, held=len(held))
            else:
                log.exception("lease_renew_failed", held=len(held))
            return
        still_held = len(self.held.intersection(held))  # some may have finished meanwhile
        # A delivery recorded as finished a moment before its worker lets go of it is not
        # renewed either: only a shortfall two beats in a row means a claim was really lost.
        short = renewed < still_held
        if short and self._short:
            log.warning("lease_lost", held=still_held, renewed=renewed)
        self._short = short
