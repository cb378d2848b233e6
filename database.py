"""The deployment guide's one-off schema command:

    heroku run python -c "from database import init_db; init_db()"

It applies the aerich migrations (Postgres) or creates the schema (SQLite) and is harmless when run
again. The Procfile's release phase runs the same on every deploy.
"""

from bot.runtime.db import init_db

__all__ = ["init_db"]
