"""Analytics: DuckDB over a native, incrementally synced copy of the general ledger (engine.py), report functions
returning DataFrames (reports.py, statements.py) and their permission-checked entry points (queries.py)."""
