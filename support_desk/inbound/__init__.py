"""Email in (issue 17): the mailbox the worker reads, and what each message becomes.

`parsing` reads a raw message into plain data (no database); `services` decides what it becomes (a new
ticket through the intake service, a reply through the one the customer's page uses, an ignored
automatic mail, a bounce, a quarantined message) in one transaction; `reader` takes messages from the
IMAP mailbox and marks them only after that transaction commits; `tasks` is the worker's poll.
"""
