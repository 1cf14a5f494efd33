"""chipwatch's Alembic migrations: `env.py` and `versions/`, run through `storage.schema`
(script_location ``storage:migrations``; no alembic.ini)."""
