"""The fake user account (``StandInAccount``): the Account interface over the Telegram stand-in."""

from sandbox.account.client import StandInAccount

__all__ = ["StandInAccount"]
