"""Everything that reads or writes the database, and the only place with SQL: opening it, its schema, one module per
subject (cities, series, figures, history, uploads, events, accounts, …), backups, the kept raw files, the sample.

Identifiers (table and column names) come only from the indicator registry; values are always bound parameters.
"""
