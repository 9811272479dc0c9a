"""Demo data for a newcomer's first start: two organizations, a pipeline, a staff login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.account.service import create_user
from mandate.authz.context import OrgContext
from mandate.authz.roles import Role
from mandate.deal import service as deal_service
from mandate.deal.models import Stage
from mandate.deal.schemas import DealCreate, MoneyIn
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
