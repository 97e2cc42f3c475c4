"""When a ticket is due in business time, and the SLA ledger that proves it. See README.md here."""
