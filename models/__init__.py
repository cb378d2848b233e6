"""Tortoise models: the bot's state in the database. Nothing here imports ``bot``."""

from models.access import Admin, RefusedUser
from models.fingerprints import RecentFingerprint
from models.forwarding import Delivery, MessageLink, ReviewDecision, Rule
from models.fsm import FsmRecord
from models.intake import QuarantinedUpdate
from models.limits import AlertFault, AlertSend, FloodChat, FloodSend
from models.usage import AiUsage

__all__ = [
    "Admin",
    "AiUsage",
    "AlertFault",
    "AlertSend",
    "Delivery",
    "FloodChat",
    "FloodSend",
    "FsmRecord",
    "MessageLink",
    "QuarantinedUpdate",
    "RecentFingerprint",
    "RefusedUser",
    "ReviewDecision",
    "Rule",
]
