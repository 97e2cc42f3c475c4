"""Manager reporting: the SLA report, the breach list, trends, coverage of the roster, service credits,
exports and the ledger's integrity.

Laid out by artifact:

- `periods.py`   pure: a reporting period (dates or instants in a zone) and calendar months as UTC instants
- `sql.py`       the percentile aggregate (PostgreSQL's percentile_cont; the same maths on SQLite)
- `selectors.py` the reads, aggregated in the database: grouped report, breaches, trends, heatmap,
                 credits, ledger rows for export, ledger integrity (cached walk of the hash chain)
- `coverage.py`  pure: who is on shift in each hour of a week, and where a 24x7 promise has nobody
- `credits.py`   pure: the service-credit rule applied to one customer's breach counts for a month
- `exports.py`   streaming CSV: rows in, encoded lines out (formula-safe text cells)
"""
