"""The review queue's buttons: approve publishes, an edited text is what goes out, skip drops."""

from bot.routers.review.handlers import make_router

__all__ = ["make_router"]
