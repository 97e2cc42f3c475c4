"""Customers' monthly SLA statements: the month's figures and ledger rows with a signed checkpoint of the
ledger's head (`models`, `document` (pure: JSON, CSV, signatures), `selectors`, `services`, `verify`)."""
