"""/status: the health of the bot for the owner and admins; dead deliveries can be retried or dropped."""

from bot.routers.status.handlers import make_router

__all__ = ["make_router"]
