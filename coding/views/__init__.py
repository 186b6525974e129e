"""Views, one module per area: pages (HTML) and api (JSON for the coding page and scripts)."""
