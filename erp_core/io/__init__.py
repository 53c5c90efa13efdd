"""Import and export of tabular data (CSV, XLSX)."""
