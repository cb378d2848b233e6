"""Tortoise models: the bot's state in the database. Nothing here imports ``bot``."""

from models.access import Admin, RefusedUser
from models.account import AccountSetting, RelayedMessage
from models.backfill import BackfillJob
from models.digest import DigestPlan, DigestPost, DigestRun
from models.fingerprints import RecentFingerprint
from models.forwarding import Delivery, MessageLink, ReviewDecision, Rule
from models.fsm import FsmRecord
from models.i18n import UserLanguage
from models.intake import QuarantinedUpdate
from models.limits import AlertFault, AlertSend, FloodChat, FloodSend
from models.pacing import DestinationPacing, OwnerSettings
from models.usage import AiUsage

__all__ = [
    "AccountSetting",
    "Admin",
    "AiUsage",
    "AlertFault",
    "AlertSend",
    "BackfillJob",
    "Delivery",
    "DestinationPacing",
    "DigestPlan",
    "DigestPost",
    "DigestRun",
    "FloodChat",
    "FloodSend",
    "FsmRecord",
    "MessageLink",
    "OwnerSettings",
    "QuarantinedUpdate",
    "RecentFingerprint",
    "RefusedUser",
    "RelayedMessage",
    "ReviewDecision",
    "Rule",
    "UserLanguage",
]
