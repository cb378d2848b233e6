"""How the owner-facing screens word a rule's settings: one wording for the wizard and the card."""

from __future__ import annotations

MODES = {
    "copy": "copy (sent as the bot's own post)",
    "forward": "forward (with “Forwarded from”)",
}
EDIT_POLICIES = {
    "edit": "edit the copies",
    "repost": "post the new version again",
    "ignore": "ignore edits",
}
AI_FAILURES = {
    "hold": "hold posts until it is back",
    "original": "send the original post",
    "skip": "skip the post",
}
