"""What the figures say, computed from the store without drawing anything: standings and ranks, comparisons,
reporting, and the highlights the overview and the deck put into words."""
