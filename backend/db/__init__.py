"""Database: tables (images in :mod:`.tables`, :mod:`.projects`, :mod:`.sources`, :mod:`.annotations`,
accounts in :mod:`.users`), engine and sessions (:mod:`.session`), migrations (:mod:`.migrate`).
Importing the package registers every table."""

from backend.db import annotations, learning, projects, regions, rounds, sources, tables, users  # noqa: F401
