"""Access examples for helper sales4's additions to billing: the 收入确认 candidates of an invoice."""

from tests.access.examples import example
from tests.access.examples_billing import M, _draft_invoice


@example(M + "queries.deliveries_to_recognize")
def _(env):
    return {"invoice_id": _draft_invoice(env)}
