"""Stable in-page navigation: a segmented control keyed by section codes, in place of st.tabs.

st.tabs keeps its selection in the browser only: when a rerun moves the tab bar (a "saved" message or a warning
appears or goes above it) or changes its labels (a language switch), the frontend rebuilds it on its first tab
(measured in Chromium, Streamlit 1.67; st.tabs(key=..., on_change="rerun") survives the move but not a language
switch, since its state is the label). This control keeps the chosen section
in the session (its key), by code, so a rerun, a save or a language switch leaves the user where they were, and
only the chosen section runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.i18n import tr


def section(key: str, codes: Sequence[str], label_prefix: str, label: str) -> str:
    """The section the user chose (one of ``codes``; the first one at first). Each button's text is
    ``label_prefix + code`` in the catalog; ``label`` (hidden, read by screen readers) names the control."""
    if st.session_state.get(key) not in codes:
        # set through the session (not default=): a page that forgets the key after a save (succeed(forget=...))
        # then sends the first section to the browser too; with default= the browser kept showing its old choice
        # and sent it back with the next click, so e.g. 新建 came back after saving and the next button was lost
        st.session_state[key] = codes[0]
    chosen = st.segmented_control(label, list(codes), key=key,
                                  required=True, format_func=lambda c: tr(label_prefix + c),
                                  label_visibility="collapsed")
    return chosen if chosen in codes else codes[0]
