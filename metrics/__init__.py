"""The dashboard's core library: schema, connection, indicator registry, queries, sample data and CLI.

It never imports Streamlit, so the CLI, tests and benchmarks use it directly.
"""
