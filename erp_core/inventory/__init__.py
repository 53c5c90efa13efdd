"""Inventory: the stock ledger (库存台账, stock_move, append-only) and what is built on it. posting.py is the ONLY
writer of stock_move; queries.py is the read side (stock on hand, moves, stock vs general ledger);
opening_services.py imports opening stock on hand (期初库存)."""
