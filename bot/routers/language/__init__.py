"""/language: the owner and admins choose the language the bot speaks to them."""

from bot.routers.language.handlers import make_router

__all__ = ["make_router"]
