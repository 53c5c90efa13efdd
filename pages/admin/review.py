"""Placeholder: being written."""

import streamlit as st

from ui.i18n import tr

st.title(tr("nav.admin.review"))
