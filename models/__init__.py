"""Tortoise models: the bot's state in the database. Nothing here imports ``bot``."""

from models.access import Admin, RefusedUser
from models.forwarding import Delivery, MessageLink, ReviewDecision, Rule
from models.fsm import FsmRecord
from models.intake import QuarantinedUpdate

__all__ = [
    "Admin",
    "Delivery",
    "FsmRecord",
    "MessageLink",
    "QuarantinedUpdate",
    "RefusedUser",
    "ReviewDecision",
    "Rule",
]
