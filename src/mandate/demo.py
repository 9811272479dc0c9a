"""Demo data for a newcomer's first start: two organizations, a pipeline, events, a staff login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.account.service import create_user
from mandate.authz.context import OrgContext
from mandate.authz.roles import Role
from mandate.deal import service as deal_service
from mandate.deal.models import Stage
from mandate.deal.schemas import DealCreate, MoneyIn
from mandate.event import schedule, tickets
from mandate.event import service as event_service
from mandate.event.models import EventFormat
from mandate.event.schemas import EventCreate, SessionCreate, Speaker, TicketTypeCreate
from mandate.kit.db import utcnow
from mandate.kit.tenancy import set_organization
from mandate.organization.models import Membership, Organization
from mandate.organization.service import create_organization

DEMO_PASSWORD = "mandate-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


LOGINS = [
    DemoLogin("olivia@harbour.example", "owner, Harbour Capital (Professional plan)"),
    DemoLogin("sam@harbour.example", "member, Harbour Capital"),
    DemoLogin("vera@harbour.example", "viewer, Harbour Capital"),
    DemoLogin("nina@northgate.example", "owner, Northgate Advisory (Free plan)"),
    DemoLogin("staff@mandate.example", "platform staff"),
]

HARBOUR_DEALS = [
    ("Project Atlas", "Atlas Cold Chain Ltd", "Logistics", "42m", Stage.SOURCING, 120),
    ("Project Beacon", "Beacon Diagnostics", "Healthcare", "18.5m", Stage.SOURCING, 200),
    ("Project Cedar", "Cedar Timber Group", "Materials", "65m", Stage.SCREENING, 95),
    ("Project Delta", "Delta Payments GmbH", "Fintech", "120m", Stage.SCREENING, 150),
    ("Project Ember", "Ember Heat Pumps", "Energy", "27m", Stage.DUE_DILIGENCE, 60),
    ("Project Falcon", "Falcon Drones plc", "Aerospace", "88m", Stage.DUE_DILIGENCE, 75),
    ("Project Garnet", "Garnet Jewellery Retail", "Consumer", "14m", Stage.NEGOTIATION, 40),
    ("Project Harbour", "Harbourview Marinas", "Leisure", "33m", Stage.NEGOTIATION, 45),
    ("Project Iris", "Iris Eye Clinics", "Healthcare", "51m", Stage.CLOSING, 14),
    ("Project Juniper", "Juniper Software", "Software", "240m", Stage.WON, -20),
    ("Project Kestrel", "Kestrel Haulage", "Logistics", "9m", Stage.LOST, -35),
]


def _amount_minor(text: str) -> int:
    from mandate.kit.money import parse_money

    return parse_money(text).amount_minor


async def is_seeded(session: AsyncSession) -> bool:
    return bool((await session.execute(select(func.count()).select_from(User))).scalar_one())


async def _member(session: AsyncSession, org: Organization, email: str, name: str, role: Role) -> User:
    user = await create_user(session, email=email, password=DEMO_PASSWORD, full_name=name)
    session.add(Membership(organization_id=org.id, user_id=user.id, role=role.value))
    return user


async def _seed_events(session: AsyncSession, ctx: OrgContext) -> None:
    """Two published events with a schedule and a free ticket, a few weeks out."""
    day = datetime.combine(utcnow().date() + timedelta(days=21), time(8, 0), tzinfo=UTC)
    breakfast = await event_service.create(
        session,
        ctx,
        EventCreate(
            title="Mid-market M&A Breakfast",
            description="Deal flow, financing and exits in the UK mid-market, over coffee.\n\n"
            "- Market update from our partners\n- A panel of founders who sold\n- Time to meet people",
            venue_name="The Harbour Rooms",
            venue_address="12 Quay Street, London EC3",
            starts_at=day,
            ends_at=day + timedelta(hours=3),
            capacity=60,
        ),
    )
    talks = [
        (
            "Welcome and market update",
            0.25,
            0.75,
            [("Olivia Hart", "Managing Partner", "Twenty years in mid-market M&A.")],
        ),
        (
            "Panel: founders who sold",
            0.75,
            1.75,
            [("Priya Shah", "Founder, Lumen", ""), ("Tom Reyes", "CFO, Beacon", "")],
        ),
        ("Networking", 1.75, 3, []),
    ]
    for title, start, end, speakers in talks:
        await schedule.add(
            session,
            ctx,
            breakfast.id,
            SessionCreate(
                title=title,
                starts_at=day + timedelta(hours=start),
                ends_at=day + timedelta(hours=end),
                room="Main room",
                speakers=[Speaker(name=n, title=t, bio=b) for n, t, b in speakers],
            ),
        )
    await tickets.add(session, ctx, breakfast.id, TicketTypeCreate(name="General admission", quantity=60))
    await event_service.publish(session, ctx, breakfast.id)
    webinar_day = day + timedelta(days=14, hours=8)
    webinar = await event_service.create(
        session,
        ctx,
        EventCreate(
            title="Due diligence masterclass",
            description="A practical hour on running a tight **financial due diligence**.",
            format=EventFormat.VIRTUAL,
            online_url="https://meet.example.com/harbour-dd",
            starts_at=webinar_day,
            ends_at=webinar_day + timedelta(hours=1),
        ),
    )
    await schedule.add(
        session,
        ctx,
        webinar.id,
        SessionCreate(
            title="Quality of earnings, step by step",
            starts_at=webinar_day,
            ends_at=webinar_day + timedelta(hours=1),
            speakers=[Speaker(name="Sam Okafor", title="Associate")],
        ),
    )
    await tickets.add(session, ctx, webinar.id, TicketTypeCreate(name="Webinar seat"))
    await event_service.publish(session, ctx, webinar.id)


async def seed(session: AsyncSession) -> None:
    olivia = await create_user(session, email="olivia@harbour.example", password=DEMO_PASSWORD, full_name="Olivia Hart")
    harbour = await create_organization(session, name="Harbour Capital Partners", owner=olivia)
    harbour.tier = "professional"
    sam = await _member(session, harbour, "sam@harbour.example", "Sam Okafor", Role.MEMBER)
    await _member(session, harbour, "vera@harbour.example", "Vera Lindqvist", Role.VIEWER)
    await session.flush()
    ctx = OrgContext(user=olivia, organization=harbour, role=Role.OWNER)
    today = utcnow().date()
    for i, (name, target, industry, size, stage, close_in) in enumerate(HARBOUR_DEALS):
        await deal_service.create(
            session,
            ctx,
            DealCreate(
                name=name,
                target_company=target,
                industry=industry,
                deal_size=MoneyIn(amount_minor=_amount_minor(size), currency="GBP"),
                stage=stage,
                owner_id=sam.id if i % 3 == 1 else olivia.id,
                description=f"{target}: {industry.lower()} business; see the IC memo for the thesis.",
                expected_close=today + timedelta(days=close_in) if close_in else date.today(),
            ),
        )
    await _seed_events(session, ctx)
    nina = await create_user(session, email="nina@northgate.example", password=DEMO_PASSWORD, full_name="Nina Patel")
    northgate = await create_organization(session, name="Northgate Advisory", owner=nina)
    set_organization(session, northgate.id)
    nctx = OrgContext(user=nina, organization=northgate, role=Role.OWNER)
    for name, target in (("Project Lumen", "Lumen Lighting"), ("Project Moss", "Moss Garden Centres")):
        await deal_service.create(session, nctx, DealCreate(name=name, target_company=target, industry="Consumer"))
    await create_user(
        session, email="staff@mandate.example", password=DEMO_PASSWORD, full_name="Mandate Staff", is_staff=True
    )
    set_organization(session, None)
