"""The reads behind manager reporting, one module per report: `filters` (what is asked for, and the
decided metric cycles it selects), `sla_report`, `breaches`, `trends`, `credits`, `exports` (ledger
rows) and `coverage` (the roster)."""
