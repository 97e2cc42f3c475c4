"""Searching tickets by what an engineer types: a reference, an email, a name, words.

`search_terms` reads the text (no ORM, no database): the reference it may be (`SD-1042` or `1042`) and the
words, the last one a prefix (it is probably still being typed). `search_filter` narrows a queryset of
tickets to the matches and says how to rank them.

On PostgreSQL the words are matched against `TicketSearch.vector` (subject, requester, customer,
description, messages; GIN-indexed, kept by triggers) with the `simple` configuration, every word
required, ranked by `ts_rank` (a subject match weighs most, then the people, the description, the
messages); the reference is an exact match on the primary key and comes first. Elsewhere (SQLite, for
`make run`) every word must be a substring of one of the same fields, and nothing is ranked.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, QuerySet, Value, When

from .models import REFERENCE_MAX_DIGITS, REFERENCE_PREFIX, Message, Ticket, TicketSearch

SEARCH_MAX_LENGTH = 200
# A shorter last word is matched whole: a one- or two-letter prefix matches most tickets, and ranking
# them all would take longer than the search is worth.
PREFIX_MIN_LENGTH = 3
SEARCH_CONFIG = "simple"

# Characters that are the tsquery syntax's own; words are what remains between them and spaces.
_SYNTAX = re.compile(r"[\s'\\&|!():*<>]+")
_HAS_WORD = re.compile(r"\w")
# `name@host.tld`: PostgreSQL reads it as one token; an address still being typed (`ana@stre`) is not one.
_WHOLE_ADDRESS = re.compile(r"[^@]+@[\w-]+(\.[\w-]+)*\.[^\W\d_]{2,}")
_REFERENCE = re.compile(rf"(?:{re.escape(REFERENCE_PREFIX)})?(\d{{1,{REFERENCE_MAX_DIGITS}}})", re.IGNORECASE)


@dataclass(frozen=True)
class SearchTerms:
    reference_pk: int | None  # the ticket the whole text names as a reference, if any
    words: tuple[str, ...]  # lower-cased, in order
    prefix: bool  # whether the last word is matched as a prefix

    def tsquery(self) -> str:
        """Every word required, each quoted (PostgreSQL splits it as it split the indexed text)."""
        quoted = [f"'{word}'" for word in self.words]
        if self.prefix:
            quoted[-1] += ":*"
        return " & ".join(quoted)


def search_terms(text: str) -> SearchTerms:
    text = text.strip()
    reference = _REFERENCE.fullmatch(text)
    reference_pk = Ticket.pk_from_reference(f"{REFERENCE_PREFIX}{reference.group(1)}") if reference else None
    words = [w.lower() for w in _SYNTAX.split(text) if _HAS_WORD.search(w)]
    prefix = bool(words) and len(words[-1]) >= PREFIX_MIN_LENGTH
    if prefix and "@" in words[-1] and not _WHOLE_ADDRESS.fullmatch(words[-1]):
        words[-1] = words[-1].split("@", 1)[0]  # the address's local part, as a prefix of the address
        if not _HAS_WORD.search(words[-1]):
            words.pop()
        prefix = bool(words)
    return SearchTerms(reference_pk=reference_pk, words=tuple(words), prefix=prefix)


@dataclass(frozen=True)
class Search:
    """What `search_filter` adds to a queryset: a condition, the annotations to rank by, and the ordering
    (best first; the caller appends its own tie-breakers)."""

    condition: Q
    annotations: dict
    ordering: tuple
    row_condition: Q  # the same condition on `TicketSearch` alone

    def count_rows(self) -> int:
        """How many tickets match, counted on the search rows alone (no other filter to apply)."""
        if connection.vendor != "postgresql":
            return Ticket.objects.filter(self.condition).count()
        return TicketSearch.objects.filter(self.row_condition).count()

    def apply(self, tickets: QuerySet[Ticket], *, ranked: bool = True) -> QuerySet[Ticket]:
        tickets = tickets.filter(self.condition)
        return tickets.annotate(**self.annotations) if ranked else tickets


def search_filter(text: str) -> Search:
    terms = search_terms(text)
    exact = (
        Case(When(pk=terms.reference_pk, then=Value(1)), default=Value(0)) if terms.reference_pk else Value(0)
    )
    if connection.vendor == "postgresql":
        return _fulltext(terms, exact)
    return _substrings(terms, exact)


def _fulltext(terms: SearchTerms, exact) -> Search:
    # Both conditions on the search row, so PostgreSQL ORs two index scans of one table (the GIN index
    # and the primary key) instead of reading every ticket.
    condition = rows = Q(pk__in=[])
    rank = Value(0.0, output_field=FloatField())
    if terms.words:
        query = SearchQuery(terms.tsquery(), search_type="raw", config=SEARCH_CONFIG)
        condition, rows = Q(search__vector=query), Q(vector=query)
        rank = SearchRank(F("search__vector"), query)
    if terms.reference_pk:
        condition |= Q(search__ticket_id=terms.reference_pk)
        rows |= Q(ticket_id=terms.reference_pk)
    return Search(
        condition=condition,
        row_condition=rows,
        annotations={"search_exact": exact, "search_rank": rank},
        ordering=(F("search_exact").desc(), F("search_rank").desc()),
    )


def _substrings(terms: SearchTerms, exact) -> Search:
    condition = Q(pk__in=[])
    if terms.words:
        condition = Q()
        for word in terms.words:
            condition &= (
                Q(subject__icontains=word)
                | Q(description__icontains=word)
                | Q(requester__email__icontains=word)
                | Q(requester__name__icontains=word)
                | Q(customer__name__icontains=word)
                | Exists(Message.objects.filter(ticket=OuterRef("pk"), body__icontains=word))
            )
    if terms.reference_pk:
        condition |= Q(pk=terms.reference_pk)
    return Search(
        condition=condition,
        row_condition=condition,
        annotations={"search_exact": exact, "search_rank": Value(0.0, output_field=FloatField())},
        ordering=(F("search_exact").desc(),),
    )
