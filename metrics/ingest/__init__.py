"""Files coming in: read whatever officers send (table.py and its readers), checked by the kind of upload it is
(kinds/), previewed, committed and undone (uploads.py); and the blank templates they fill in."""
