"""Streamlit glue shared by the pages: the sidebar and URL state, cached data access, chart display."""
