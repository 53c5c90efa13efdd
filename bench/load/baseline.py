"""The trivial baseline page of the load benchmark: a title, a metric and a small plotly chart, no database.
Served by `bench/load/run.py` with the same .streamlit/config.toml as the app (both run from the project root)."""

import plotly.graph_objects as go
import streamlit as st

st.title("Baseline")
st.metric("Revenue", "¥ 1,234,567.89", "+3.2%")
months = [f"2026-{m:02d}" for m in range(1, 13)]
st.plotly_chart(go.Figure(go.Bar(x=months, y=[(m * 37) % 100 + 20 for m in range(12)])), use_container_width=True)
