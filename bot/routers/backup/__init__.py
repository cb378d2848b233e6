"""/export and /import: every rule as a JSON file, and back (owner and admins)."""

from bot.routers.backup.handlers import make_router

__all__ = ["make_router"]
