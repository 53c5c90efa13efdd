"""First-run setup: the company, its first administrator, default roles, optional demo data."""
