"""Signing in: how account names are compared, how a password is checked, how guessing is slowed without locking
anyone out, and the sessions a signed-in browser keeps, which the server can end. The SQL is in metrics/store."""
