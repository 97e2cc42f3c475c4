"""The words engineers search tickets by, one row a ticket, kept by PostgreSQL triggers (migration
`ticket_search`): no service writes it, so every channel (the API, the web form, email, incidents, bulk
SQL) is indexed the same way.

The vector holds, with their weights for ranking (`ts_rank`):

- A: the subject;
- B: the requester's email and name, and the customer's name (copied in; renaming a requester or a
  customer rewrites the vectors of their tickets, see the migration);
- C: the description;
- D: every message after it, internal notes included (search is for engineers only).

Words are the `simple` configuration's tokens, lower-cased and unstemmed: any language's words separated
by spaces or punctuation are found the same way. On SQLite (`make run` without DATABASE_URL) the table
exists but stays empty: search falls back to substring matches (`tickets.search`).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from .tickets import Ticket


class TicketSearch(models.Model):
    # DO_NOTHING and no Django constraint: the migration's foreign key cascades in the database, so a
    # deleted ticket takes its row with it without a query from Django.
    ticket = models.OneToOneField(
        Ticket,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="search",
    )
    # GIN-indexed by the migration (`ticket_search_vector`), PostgreSQL only.
    vector = SearchVectorField()

    def __str__(self) -> str:
        return f"search words of {self.ticket_id}"
