"""Company settings and reference data: tax rates, currencies and exchange rates, units of measure."""
