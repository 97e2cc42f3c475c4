"""Manager reporting over the SLA ledger and the roster; see README.md in this folder."""
