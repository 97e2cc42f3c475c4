"""Searching tickets by what an engineer types: a reference, an email, a name, words.

`search_terms` reads the text (no ORM, no database): the reference it may be (`SD-1042` or `1042`) and the
words, the last one a prefix (it is probably still being typed). `search_filter` narrows a queryset of
tickets to the matches and says how to rank them.

On PostgreSQL the words are matched against `TicketSearch.vector` (subject, requester, customer,
description, messages; GIN-indexed, kept by triggers) with the `simple` configuration, every word
required, ranked by `ts_rank` (a subject match weighs most, then the people, the description, the
messages); the reference is an exact match on the primary key and comes first. Elsewhere (SQLite, for
`make run`) every word must be a substring of one of the same fields, and nothing is ranked.

A search ranks at most SEARCH_CANDIDATES matches: the newest ones that pass every other filter, and the
ticket the text names. A word in one ticket of ten matches 100,000 of a million tickets, and ranking them
all took 1.5 s (bench/search.py); the newest thousand are found by walking the tickets newest first (or
the GIN index, for rarer words: PostgreSQL picks by the word's frequency) in milliseconds. Counts stop
one past the bound, so a caller can say "more than 1,000" and an engineer adds a word or a filter.
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, QuerySet, Value, When

from .models import REFERENCE_MAX_DIGITS, REFERENCE_PREFIX, Message, Ticket, TicketSearch

SEARCH_MAX_LENGTH = 200
# A shorter last word is matched whole: a one- or two-letter prefix matches most tickets, and ranking
# them all would take longer than the search is worth.
PREFIX_MIN_LENGTH = 3
SEARCH_CONFIG = "simple"
SEARCH_CANDIDATES = 1000  # the most matches a search ranks (the newest); see the module's docstring

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

    condition: Q  # the words, on tickets
    annotations: dict
    ordering: tuple
    row_condition: Q  # the words on `TicketSearch` alone
    reference_pk: int | None  # the ticket the text names, matched whatever its words

    def candidates(
        self,
        tickets: QuerySet[Ticket],
        *,
        narrowed: bool = True,
        limit: int | None = None,
        also: tuple[str, ...] = (),
    ):
        """The primary keys of the newest `limit` (SEARCH_CANDIDATES) tickets of `tickets` the words match,
        and of the ticket the text names when it is one of `tickets`, with the ticket fields `also` names.
        `narrowed=False` says `tickets` are all the tickets: the words are then looked up on the search
        rows alone, without the tickets (`also` needs the tickets: it is then ignored)."""
        limit = limit or SEARCH_CANDIDATES
        if narrowed or connection.vendor != "postgresql":
            found = tickets.filter(self.condition).order_by("-pk").values("pk", *also)[:limit]
        else:
            rows = TicketSearch.objects.filter(self.row_condition)
            found = rows.order_by("-ticket_id").values("ticket_id")[:limit]
        if self.reference_pk is None:
            return found
        named = tickets.filter(pk=self.reference_pk)
        return found.union(named.values("pk", *also) if narrowed else named.values("pk"))

    def newest(self, tickets: QuerySet[Ticket], *, narrowed: bool = True, also: tuple[str, ...] = ()):
        """`candidates` one past SEARCH_CANDIDATES: as many as a search ranks, and whether there are more."""
        return self.candidates(tickets, narrowed=narrowed, limit=SEARCH_CANDIDATES + 1, also=also)

    def matches(
        self, tickets: QuerySet[Ticket], *, narrowed: bool = True, ordering: tuple, rows: QuerySet[Ticket]
    ) -> "Matches":
        """The matches among `tickets` in `ordering` (the search's own, best first, unless the caller
        has another), as a sequence whose slices fetch their tickets from `rows`.

        Two queries, made now: the newest matches, planned for the words (`planned_for_its_words`), one
        past SEARCH_CANDIDATES to say whether there are more; then their order, on their primary keys.
        A slice is then one query for its own tickets, however many matched."""
        with planned_for_its_words():
            found = [row.get("pk", row.get("ticket_id")) for row in self.newest(tickets, narrowed=narrowed)]
        return self.ranked(found, ordering, rows)

    def ranked(self, found: list[int], ordering: tuple, rows: QuerySet[Ticket]) -> "Matches":
        """`found` (the primary keys `newest` gave) in `ordering`: the newest SEARCH_CANDIDATES of them and
        the ticket the text names. One query, on primary keys: any plan serves it."""
        kept = sorted(set(found), reverse=True)
        more = len(kept) > SEARCH_CANDIDATES
        if more:
            named = [self.reference_pk] if self.reference_pk in kept else []
            kept = named + [pk for pk in kept if pk != self.reference_pk][: SEARCH_CANDIDATES - len(named)]
        if not kept:
            return Matches(pks=[], more=False, rows=rows)
        ranked = Ticket.objects.filter(pk__in=kept).annotate(**self.annotations).order_by(*ordering)
        return Matches(pks=list(ranked.values_list("pk", flat=True)), more=more, rows=rows)

    def count(self, tickets: QuerySet[Ticket], *, narrowed: bool = True) -> int:
        """How many of `tickets` match, counting no further than SEARCH_CANDIDATES + 1: a count above
        SEARCH_CANDIDATES means more tickets match than a search ranks (`capped`)."""
        return self.newest(tickets, narrowed=narrowed).count()


@dataclass(frozen=True)
class Matches(Sequence):
    """A search's matches in their order, a Paginator's object list: its length is known, and a slice
    fetches only its own tickets, from `rows` (with what the caller shows of them), by primary key."""

    pks: list[int]  # in order, at most SEARCH_CANDIDATES
    more: bool  # more tickets matched than a search ranks
    rows: QuerySet[Ticket]

    def with_rows(self, rows: QuerySet[Ticket]) -> "Matches":
        return replace(self, rows=rows)

    def __len__(self) -> int:
        return len(self.pks)

    def count(self) -> int:
        return len(self.pks)

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        chosen = self.pks[index]
        if not chosen:
            return []
        fetched = {ticket.pk: ticket for ticket in self.rows.filter(pk__in=chosen)}
        return [fetched[pk] for pk in chosen if pk in fetched]


@contextmanager
def planned_for_its_words() -> Iterator[None]:
    """Run the queries of a search inside this: PostgreSQL plans each for the words it is given.

    Connections prepare statements they run often (settings: DB_PREPARE_THRESHOLD), and after five runs
    of a prepared statement PostgreSQL may settle on one generic plan, made without knowing the words. A
    search's best plan depends on them: a common word is found fastest by walking the newest tickets,
    a rare one through the GIN index, and the generic plan took 2.5 s where the right one takes 0.1 s
    (bench/search.py). `plan_cache_mode` is set for this transaction only (SET LOCAL); statements stay
    prepared, so only the planning is redone."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


def capped(count: int) -> tuple[int, bool]:
    """A search's `count` as callers show it: at most SEARCH_CANDIDATES, and whether more tickets match."""
    return min(count, SEARCH_CANDIDATES), count > SEARCH_CANDIDATES


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
    return Search(
        condition=condition,
        row_condition=rows,
        reference_pk=terms.reference_pk,
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
    return Search(
        condition=condition,
        row_condition=condition,
        reference_pk=terms.reference_pk,
        annotations={"search_exact": exact, "search_rank": Value(0.0, output_field=FloatField())},
        ordering=(F("search_exact").desc(),),
    )
