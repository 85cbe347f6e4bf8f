"""Glue shared by two or more domains; no business rules live here."""
