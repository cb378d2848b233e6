"""The optional user account (kurigram, imported as ``pyrogram``): sources the bot cannot read."""
