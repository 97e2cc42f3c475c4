"""Demo data: a follow-the-sun team, customers on both plans and tickets in every state."""

from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from escalation.paging.models import EscalationPolicy, PolicyStep
from escalation.roster.models import Region
from escalation.roster.services.engineers import engineer_upsert, manager_ensure
from escalation.sla import defaults
from escalation.sla.models import BusinessCalendar, SlaTarget
from tickets import services as tickets
from tickets.models import Customer, CustomerContact, CustomerDomain, Severity, Status, Ticket

DEMO_PASSWORD = "demo-desk-2026"  # noqa: S105 - published on purpose; refused unless DEBUG

ENGINEERS = [
    # username, name, timezone, region, shift start, shift end, lead, on call, phone
    ("aiko", "Aiko Tanaka", "Asia/Tokyo", Region.APAC, time(9), time(18), True, False, "+81312345678"),
    ("wei", "Wei Lim", "Asia/Singapore", Region.APAC, time(9), time(18), False, False, "+6561234567"),
    (
        "oliver",
        "Oliver Smith",
        "Europe/London",
        Region.EMEA,
        time(9),
        time(18),
        False,
        False,
        "+442071234567",
    ),
    ("lena", "Lena Fischer", "Europe/Berlin", Region.EMEA, time(9), time(18), True, True, "+4930123456"),
    (
        "maya",
        "Maya Johnson",
        "America/New_York",
        Region.AMERICAS,
        time(9),
        time(18),
        True,
        False,
        "+12125550123",
    ),
    (
        "rafael",
        "Rafael Souza",
        "America/Sao_Paulo",
        Region.AMERICAS,
        time(14),
        time(23),
        False,
        False,
        "+5511912345678",
    ),
]

CUSTOMERS = [
    # name, plan, timezone, domains, monthly fee, currency
    ("StreamCo", "premium", "America/Sao_Paulo", ["streamco.example"], Decimal("12000.00"), "USD"),
    ("Kabuki Live", "premium", "Asia/Tokyo", ["kabuki.example"], Decimal("1500000.00"), "JPY"),
    (
        "Pixel Radio",
        "standard",
        "Europe/Berlin",
        ["pixelradio.example", "pixel.example"],
        Decimal("900.00"),
        "EUR",
    ),
]

TICKETS = [
    # subject, severity, email, hours ago, what happens next
    ("Live stream buffering in Sao Paulo", Severity.MAJOR, "ops@streamco.example", 0.05, "new"),
    ("Origin returns 502 for HLS manifests", Severity.URGENT, "noc@kabuki.example", 3, "open"),
    ("How do I rotate my API key?", Severity.GENERAL, "dev@pixelradio.example", 30, "waiting"),
    ("Token auth failing for one region", Severity.URGENT, "sre@streamco.example", 50, "resolved"),
    ("Invoice shows wrong bandwidth tier", Severity.GENERAL, "billing@pixel.example", 24 * 10, "closed"),
    ("Player stalls after ad break", Severity.MAJOR, "viewer@gmail.example", 6, "breached"),
]


class Command(BaseCommand):
    help = "Load demo engineers, customers and tickets (idempotent) and print the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo logins (with a published password) even though DEBUG is off.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("seed_demo creates logins with a published password; run it with DEBUG=1.")
        now = timezone.now()
        with transaction.atomic():
            defaults.seed(BusinessCalendar, SlaTarget)
            defaults.seed_policies(EscalationPolicy, PolicyStep)
            manager_ensure(
                username="manager",
                name="Morgan Reyes",
                email="manager@support.example",
                password=DEMO_PASSWORD,
            )
            engineers = {}
            for username, name, zone, region, start, end, lead, on_call, phone in ENGINEERS:
                engineers[username] = engineer_upsert(
                    username=username,
                    name=name,
                    email=f"{username}@support.example",
                    password=DEMO_PASSWORD,
                    timezone=ZoneInfo(zone),
                    region=region,
                    shift_start=start,
                    shift_end=end,
                    lead=lead,
                    on_call=on_call,
                    phone=phone,
                )
            for name, plan, zone, domains, fee, currency in CUSTOMERS:
                customer, _ = Customer.objects.update_or_create(
                    name=name,
                    defaults={
                        "plan": plan,
                        "timezone": ZoneInfo(zone),
                        "monthly_fee": fee,
                        "currency": currency,
                    },
                )
                for domain in domains:
                    CustomerDomain.objects.get_or_create(domain=domain, defaults={"customer": customer})
            created = sum(self._ticket(spec, engineers, now) for spec in TICKETS)
        self.stdout.write(f"Demo data ready ({created} new tickets, {Ticket.objects.count()} in all).\n")
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  manager   manager, sees reports and edits targets")
        for username, name, zone, *_ in ENGINEERS:
            self.stdout.write(f"  {username:<9} engineer in {zone} ({name})")

    def _ticket(self, spec, engineers, now) -> bool:
        subject, severity, email, hours_ago, outcome = spec
        if Ticket.objects.filter(subject=subject, requester__email=email).exists():
            return False
        start = now - timedelta(hours=hours_ago)
        customer = tickets.customer_for_email(email)
        if customer is not None:  # the demo's customers name their requesters as contacts: trusted
            CustomerContact.objects.get_or_create(
                customer=customer, email=email, defaults={"name": email.split("@")[0].title()}
            )
        ticket = tickets.ticket_file(
            subject=subject,
            description=f"{subject}. Seen by our monitoring and by viewers; details inside.",
            severity=severity,
            email=email,
            name=email.split("@")[0].title(),
            now=start,
        ).ticket
        engineer = engineers["lena" if ticket.plan == "premium" else "maya"].user
        step = start + timedelta(minutes=5)
        if outcome in ("open", "waiting", "resolved", "closed"):
            ticket = tickets.ticket_assign(ticket=ticket, assignee=engineer, actor=None, now=step)
            tickets.ticket_reply(ticket=ticket, author=engineer, body="Looking into it now.", now=step)
            tickets.ticket_reply(
                ticket=ticket, author=engineer, body="Checked the edge logs.", internal=True, now=step
            )
        if outcome == "waiting":
            tickets.ticket_change_status(
                ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=step
            )
        if outcome in ("resolved", "closed"):
            done = step + timedelta(hours=1)
            tickets.ticket_reply(ticket=ticket, author=engineer, body="Fixed: config rolled back.", now=done)
            tickets.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=done)
        if outcome == "closed":
            tickets.ticket_close_stale(now=now)
        return True
