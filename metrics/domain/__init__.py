"""What the programme is, independent of storage and display: indicators, terms, roles, messages, numbers."""
