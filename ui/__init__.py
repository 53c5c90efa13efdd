"""Streamlit-only helpers shared by the pages. erp_core never imports this package (tests/test_architecture.py)."""
