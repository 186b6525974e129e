"""Findings for the community: consented quotes (this part) and the findings pack."""
