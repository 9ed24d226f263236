"""Showing the figures: charts named as data (specs) and drawn by Plotly (charts) or as native PowerPoint charts
(deck) in one shared style, tables for display, and files out (exports)."""
