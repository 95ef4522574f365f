"""Database: tables (:mod:`backend.db.tables`), engine and sessions (:mod:`backend.db.session`), migrations."""
