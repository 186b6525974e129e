"""The comparison of values across projects: SQL aggregation, measures, statistics, charts.

- `filters`: what a comparison covers and the coder rules;
- `queries`: the aggregating SQL (the database does the heavy lifting);
- `measures`, `stats`: pandas and scipy on the aggregated rows only;
- `comparison`: puts them together for a page or an export;
- `charts`: server-side SVG.
"""
