"""Operational store: declarative base, exact column types, engine factory, unit of work."""
