"""Settlement (核销): open items (posted documents that are owed or prepaid), settlements against them, the payment
document (付款单), the application of prepayments (预付冲应付), and the payables reports built on them."""
