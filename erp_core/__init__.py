"""erp_core: the whole business of the ERP, importable without Streamlit (CLI, tests, integrations)."""

__version__ = "0.1.0"
