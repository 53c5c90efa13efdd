"""Company, organisation structure and master records."""
