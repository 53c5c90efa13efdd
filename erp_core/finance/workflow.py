"""The voucher's states as data: draft -> reviewed (审核) -> posted (记账); unreview (取消审核) goes back."""

from erp_core.finance.models import VOUCHER_STATES
from erp_core.kernel.workflow import Workflow

VOUCHER_FLOW = Workflow("voucher", VOUCHER_STATES, [
    ("review", "draft", "reviewed"),
    ("unreview", "reviewed", "draft"),
    ("post", "reviewed", "posted"),
])
