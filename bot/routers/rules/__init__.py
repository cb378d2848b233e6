"""/rules: the owner's and admins' list of rules, each rule's card and what its buttons do."""

from bot.routers.rules.router import make_router

__all__ = ["make_router"]
