"""The dashboard's core, importable and testable without Streamlit (it never imports it):

- domain/   what the programme is: the indicator registry, its terms (years, regions, kinds, scope), roles,
            bilingual messages, number formats
- store/    the database and all SQL: schema and migrations, one module per subject, accounts, backups, the sample
- ingest/   files coming in: reading them, one module per kind of upload (kinds/), preview, commit and undo
- analysis/ what the figures say: standings, comparisons, reporting, highlights
- present/  showing them: chart specs, Plotly charts and the PowerPoint deck in one style, tables, exports
- cli/      `python -m metrics …`
"""
