"""Pages with sections keep the chosen section across reruns: saving an exchange rate on 币种与汇率 stays on the
rates section (st.tabs went back to its first tab whenever a rerun changed a tab's content). The bank
reconciliation page's twin is in tests/finance_close/test_pages.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from erp_core.settings.models import ExchangeRate
from tests.ui.harness import texts


def test_saving_a_rate_stays_on_the_rates_section(admin_app, ui_db):
    at = admin_app.switch_page("pages/settings/currencies.py").run()
    control = at.segmented_control(key="cu_section")
    assert control.value == "currencies" and control.options == ["币种", "汇率"]
    control.set_value("rates")
    at = at.run()
    assert at.segmented_control(key="cu_section").value == "rates"
    next(t for t in at.text_input if t.label == "汇率").input("7.1234")
    next(b for b in at.button if b.label == "保存").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        saved = uow.session.execute(select(ExchangeRate.rate_date, ExchangeRate.rate)
                                    .where(ExchangeRate.rate_date == dt.date.today())).all()
    assert [r for _, r in saved] == [Decimal("7.1234")]
    assert at.segmented_control(key="cu_section").value == "rates"
    assert "7.1234" in texts(at) + " ".join(str(d.value.to_numpy()) for d in at.dataframe)
