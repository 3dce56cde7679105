"""Streamlit dashboard helpers."""
