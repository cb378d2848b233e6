"""/admins: the owner names and removes admins. Admins and strangers cannot manage admins."""

from bot.routers.admins.handlers import make_router

__all__ = ["make_router"]
