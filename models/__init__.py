"""Tortoise models: the bot's state in the database. Nothing here imports ``bot``."""

from models.access import Admin, RefusedUser
from models.forwarding import Delivery, MessageLink, ReviewDecision, Rule
from models.fsm import FsmRecord

__all__ = ["Admin", "Delivery", "FsmRecord", "MessageLink", "RefusedUser", "ReviewDecision", "Rule"]
