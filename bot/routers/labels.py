"""How the owner-facing screens word a rule's settings: one wording for the wizard and the card."""

from __future__ import annotations

from bot.runtime.i18n import __

MODES = {
    "copy": __("copy (sent as the bot's own post)"),
    "forward": __("forward (with “Forwarded from”)"),
}
EDIT_POLICIES = {
    "edit": __("edit the copies"),
    "repost": __("post the new version again"),
    "ignore": __("ignore edits"),
}
AI_FAILURES = {
    "hold": __("hold posts until it is back"),
    "original": __("send the original post"),
    "skip": __("skip the post"),
}
