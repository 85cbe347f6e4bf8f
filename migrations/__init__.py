"""Alembic migrations, shipped inside the installed package so `newsdesk migrate` works anywhere."""
