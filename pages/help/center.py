"""Help centre (帮助中心): the manual per module (docs/help/<language>/*.md) and the FAQ, with a search over its
sections. A "?" next to a page title opens this page on the right topic (query parameters topic and section)."""

from __future__ import annotations

import streamlit as st

from erp_core.helpdesk.help import help_section, help_text, help_topics, search_help
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.safe import md

require_actor()
loc = locale()
st.title(tr("nav.help.center"))

topics = help_topics(loc)
if not topics:
    st.info(tr("help.empty"), icon=":material/info:")
    st.stop()
titles = {t.code: t.title for t in topics}
wanted = st.query_params.get("topic")
if wanted in titles and st.session_state.get("hc_from_link") != (wanted, st.query_params.get("section")):
    st.session_state["hc_topic"] = wanted  # arrived through a "?" link: open its topic once
    st.session_state["hc_from_link"] = (wanted, st.query_params.get("section"))

c1, c2 = st.columns([2, 3])
topic = c1.selectbox(tr("help.topic"), list(titles), key="hc_topic", format_func=lambda c: titles[c])
words = c2.text_input(tr("help.search"), key="hc_search", placeholder=tr("help.search_hint"))

if words.strip():
    hits = search_help(words, loc)
    if not hits:
        st.info(tr("help.search_none"), icon=":material/search_off:")
    for code, sid, heading in hits:
        with st.expander(md("help.hit", topic=titles.get(code, code), heading=heading)):
            st.markdown(help_section(code, sid, loc) or "")
    st.divider()

section = st.query_params.get("section")
if section and topic == wanted:
    text = help_section(topic, section, loc)
    if text:
        st.info(tr("help.jumped"), icon=":material/near_me:")
        with st.container(border=True):
            st.markdown(text)
st.markdown(help_text(topic, loc) or "")
st.page_link("pages/help/feedback.py", label=tr("help.still_stuck"), icon=":material/rate_review:")
