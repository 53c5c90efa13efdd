"""Sales (issue #13): customer terms, price lists, quotations, orders with credit control and reservation,
deliveries and returns on the document kernel (docs/sales.md)."""
