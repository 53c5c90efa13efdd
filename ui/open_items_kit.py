"""What the receivables / payables aging pages show about the analytics copy they were read from."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui.i18n import datetime as fmt_datetime
from ui.safe import md


def as_of_caption(info) -> None:
    """State the moment the open-items copy is as of (the audit change number and when it was synced)."""
    if info is not None:
        st.caption(md("salesrpt.as_of", seq=info.watermark, time=fmt_datetime(info.synced_at.replace(tzinfo=dt.UTC))))
