"""A save button with the slot its refusal shows in just above it (issue #13).

A long form (sales order, delivery, invoice, receipt, quotation) ends with its save button near the bottom of the
screen; a refusal written after the button fell below the fold (at 1000 px, its first pixel row), so in the browser
a refused save looked like a button that did nothing, while AppTest, which has no viewport, found the message.
``SaveButton`` draws an empty container (key ``<prefix>_feedback``, which browser tests find) and then the button
(key ``<prefix>_save``); ``run`` / ``done`` run the use case inside that container, so its localized refusal shows
right above the button the user just pressed. Inside an ``st.form`` pass ``form=True`` (a form submit button)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.actions import run_action
from ui.i18n import tr


class SaveButton:
    def __init__(self, prefix: str, label_key: str = "sales.save", *, form: bool = False) -> None:
        self.slot = st.container(key=f"{prefix}_feedback")
        press = st.form_submit_button if form else st.button
        self.pressed = bool(press(tr(label_key), type="primary", key=f"{prefix}_save"))

    def __bool__(self) -> bool:
        return self.pressed

    def run(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        """``run_action(fn, **kwargs)`` with its refusal shown in the slot above the button."""
        with self.slot:
            return run_action(fn, **kwargs)

    def done(self, fn: Callable[..., Any], /, **kwargs: Any) -> bool:
        """True when the use case went through (any refusal shown in the slot above the button)."""
        from ui.settings_kit import done

        with self.slot:
            return done(fn, **kwargs)
