"""Event attendees in the browser: public registration until full, the waitlist, a cancellation on the
organizer's dashboard, the offer claimed from the emailed link, check-in at the door (a second scan
says when), a registration appearing live in another window, and the filtered CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import segno
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.e2e.axe import AxeChecker
from tests.e2e.conftest import AXE_LOG, CHROMIUM_ARGS
from tests.e2e.flows import Account, api_sign_up, api_token, log_in, new_account, unique
from tests.e2e.harness import LiveServer, Pilot, Visitor
from tests.e2e.test_phone import assert_no_sideways_scroll

PHONE = (390, 844)
SHOTS = Path("/tmp/event-attendee-shots")


def api_event(server: LiveServer, token: str, *, capacity: int, title: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A published hybrid event with one free ticket type, made through the JSON API."""
    starts = (datetime.now(UTC) + timedelta(days=20)).replace(hour=17, minute=30, second=0, microsecond=0)
    with server.api(token) as client:
        created = client.post(
            "/api/events",
            json={
                "title": title,
                "description": "An evening for **dealmakers**.",
                "format": "hybrid",
                "venue_name": "The Guildhall",
                "venue_address": "Gresham Street, London",
                "online_url": "https://meet.example/dealmakers",
                "timezone": "Europe/London",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "capacity": capacity,
                "claim_window_hours": 24,
            },
        )
        assert created.status_code == 201, created.text
        event = created.json()
        ticket = client.post(f"/api/events/{event['id']}/ticket-types", json={"name": "General admission"})
        assert ticket.status_code == 201, ticket.text
        published = client.post(f"/api/events/{event['id']}/publish")
        assert published.status_code == 200, published.text
    return published.json(), ticket.json()


def owner_with_event(visitor: Visitor, *, capacity: int, title: str) -> tuple[Pilot, dict[str, Any], str, Account]:
    """An organization whose owner is logged in (the pilot), with a published event and its public path."""
    server = visitor.server
    account = new_account("Olivia", "Guildhall Events")
    api_sign_up(server, account)
    token, org = api_token(server, account.email)
    event, _ticket = api_event(server, token, capacity=capacity, title=title)
    owner = visitor.new_pilot()
    log_in(owner, account.email, account.password)
    return owner, event, f"/e/{org['slug']}/{event['slug']}", account


def register(guest: Pilot, public_path: str, name: str, email: str, *, button: str = "Register") -> str:
    """Fill the public form; lands on the ticket page and returns its code."""
    page = guest.visit(public_path)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Company").fill("Harbour Capital")
    guest.submit(page.get_by_role("button", name=button).click, url=re.compile(r"/t/[A-Za-z0-9_-]+$"))
    return page.url.rsplit("/", 1)[1]


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def qr_decodes_to(page: Page) -> str:
    """Decode the ticket's SVG QR code with jsQR (the door page's fallback decoder) in the page."""
    page.add_script_tag(url="/vendor/jsqr/jsQR.js")
    decoded: str = page.evaluate(
        """async () => {
            const svg = document.querySelector('svg.qr');
            const img = new Image();
            img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg.outerHTML);
            await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = canvas.height = 400;
            const ctx = canvas.getContext('2d');
            ctx.drawImage(img, 0, 0, 400, 400);
            const data = ctx.getImageData(0, 0, 400, 400);
            const found = jsQR(data.data, 400, 400);
            return found ? found.data : '';
        }"""
    )
    return decoded


def row(page: Page, name: str) -> Any:
    return page.get_by_role("row").filter(has_text=name)


class TestAttendeeJourney:
    def test_register_until_full_waitlist_cancel_claim_check_in_and_export(self, visitor: Visitor) -> None:
        server = visitor.server
        owner, event, public_path, account = owner_with_event(
            visitor, capacity=2, title=f"Dealmakers evening {unique('')}"
        )
        tag = unique("")
        ada, ben, cleo = (f"{n}.{tag}@e2e.example" for n in ("ada", "ben", "cleo"))

        # Two people register on the public page; the event is then full.
        guest = visitor.new_pilot()
        ada_code = register(guest, public_path, "Ada Byron", ada)
        page = guest.page
        expect(page.locator("#toasts")).to_contain_text("You're registered")
        expect(page.get_by_role("link", name="https://meet.example/dealmakers")).to_be_visible()
        assert qr_decodes_to(page) == ada_code
        shoot(page, "ticket-desktop")
        ben_code = register(guest, public_path, "Ben Okafor", ben)

        # The same email twice is refused next to the field.
        page = guest.visit(public_path)
        expect(page.get_by_role("heading", name="Join the waitlist")).to_be_visible()
        shoot(page, "public-event-full-desktop")
        page.get_by_label("Full name").fill("Ada Again")
        page.get_by_label("Email").fill(ada.upper())
        guest.submit(
            page.get_by_role("button", name="Join the waitlist").click, url=re.compile(r"/register$"), status=409
        )
        expect(page.locator("#email-error")).to_contain_text("already registered")
        expect(page.get_by_label("Full name")).to_have_value("Ada Again")

        # The third joins the waitlist: position 1, no join link.
        cleo_pilot = visitor.new_pilot(viewport=PHONE)
        cleo_code = register(cleo_pilot, public_path, "Cleo Marsh", cleo, button="Join the waitlist")
        cleo_page = cleo_pilot.page
        expect(cleo_page.locator("#toasts")).to_contain_text("You're on the waitlist, position 1")
        expect(cleo_page.get_by_role("heading", name="You're on the waitlist, position 1")).to_be_visible()
        expect(cleo_page.get_by_text("meet.example")).to_have_count(0)

        # The organizer cancels Ada from the dashboard; the freed seat is offered to Cleo.
        dash = owner.visit(f"/events/{event['id']}/attendees")
        expect(dash.locator('[data-counter="registered"]')).to_have_text("2")
        expect(dash.locator('[data-counter="waitlisted"]')).to_have_text("1")
        dash.get_by_text("Add an attendee").click()
        shoot(dash, "dashboard-add-form-desktop")
        dash.get_by_text("Add an attendee").click()
        ada_row = row(dash, "Ada Byron")
        ada_row.get_by_text("Cancel…").click()
        ada_row.get_by_role("button", name="Cancel registration of Ada Byron").click()
        expect(dash.locator("#toasts")).to_contain_text("Cancelled Ada Byron's registration.")
        expect(row(dash, "Ada Byron")).to_contain_text("Cancelled")
        expect(dash.locator('[data-counter="cancelled"]')).to_have_text("1")
        owner.check("cancelled")

        # Cleo's offer arrives by email (the dev mailbox); she claims the seat from the link.
        staff = visitor.new_pilot()
        log_in(staff, server.staff.email, server.staff.password, next="/staff/mailbox", lands_on=r"/staff/mailbox$")
        mailbox = staff.page
        mailbox.get_by_label("Search by recipient").fill(cleo)
        staff.submit(mailbox.get_by_role("button", name="Search").click, url=re.compile(r"/staff/mailbox\?q="))
        offer = mailbox.get_by_role("link", name=re.compile("^A seat is free for you"))
        expect(offer).to_be_visible(timeout=20_000)
        staff.submit(offer.click, url=re.compile(r"/staff/mailbox/[0-9a-f-]{36}$"), label="offer")
        link = mailbox.get_by_role("region", name="Links in this message").get_by_role("link").filter(has_text="/t/")
        claim_url = link.first.get_attribute("href")
        assert claim_url == f"{server.url}/t/{cleo_code}", claim_url
        cleo_page = cleo_pilot.visit(claim_url.removeprefix(server.url))
        expect(cleo_page.get_by_role("heading", name="A seat is waiting for you")).to_be_visible()
        shoot(cleo_page, "ticket-offer-phone")
        cleo_pilot.submit(cleo_page.get_by_role("button", name="Claim my seat").click, url=re.compile(r"/t/"))
        expect(cleo_page.locator("#toasts")).to_contain_text("Your seat is confirmed")
        expect(cleo_page.get_by_role("link", name="https://meet.example/dealmakers")).to_be_visible()
        assert_no_sideways_scroll(cleo_pilot)
        shoot(cleo_page, "ticket-phone")

        # At the door: Ben's typed code checks him in; a second time says when; Ada is refused.
        door = visitor.new_pilot(viewport=PHONE)
        log_in(door, account.email, account.password)
        door_page = door.visit(f"/events/{event['id']}/door")
        code_field = door_page.get_by_label("Ticket code")
        expect(code_field).to_be_focused()
        code_field.fill(ben_code)
        door_page.get_by_role("button", name="Check in", exact=True).click()
        result = door_page.locator("#door-result")
        expect(result.locator(".doorresult--success")).to_contain_text("Checked in")
        expect(result).to_contain_text("Ben Okafor")
        expect(code_field).to_be_focused()
        expect(code_field).to_have_value("")
        door.check("checked-in")
        shoot(door_page, "door-success-phone")
        code_field.fill(ben_code)
        code_field.press("Enter")
        expect(result.locator(".doorresult--warning")).to_contain_text(re.compile(r"Already checked in at \d\d:\d\d"))
        door.check("again")
        shoot(door_page, "door-again-phone")
        code_field.fill(ada_code)
        code_field.press("Enter")
        expect(result.locator(".doorresult--error")).to_contain_text("Not checked in: registration cancelled")
        door.check("refused")
        assert_no_sideways_scroll(door)
        shoot(door_page, "door-refused-phone")

        # The dashboard followed all of it live; export the checked-in attendees only.
        expect(row(dash, "Ben Okafor")).to_contain_text("Checked in")
        expect(dash.locator('[data-counter="checked_in"]')).to_have_text("1")
        dash.get_by_label("Status").select_option("checked_in")
        expect(row(dash, "Ada Byron")).to_have_count(0)
        expect(dash).to_have_url(re.compile(r"status=checked_in"))
        shoot(dash, "dashboard-desktop")
        owner.check("filtered")
        with dash.expect_download() as waiting:
            dash.get_by_role("link", name=re.compile("^Export CSV")).click()
        saved = SHOTS / "attendees.csv"
        waiting.value.save_as(saved)
        rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
        assert [(r["name"], r["status"]) for r in rows] == [("Ben Okafor", "checked_in")]
        dash.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        shoot(dash, "dashboard-phone")


class TestLiveDashboard:
    def test_a_public_registration_appears_in_another_window(self, visitor: Visitor) -> None:
        owner, event, public_path, _account = owner_with_event(visitor, capacity=50, title=f"Live summit {unique('')}")
        dash = owner.visit(f"/events/{event['id']}/attendees")
        expect(dash.get_by_role("heading", name="No attendees yet")).to_be_visible()
        expect(dash.locator(".livebadge")).to_be_visible()

        guest = visitor.new_pilot(viewport=PHONE)
        page = guest.visit(public_path)
        shoot(page, "public-event-phone")
        register(guest, public_path, "Dara Quinn", f"dara.{unique('')}@e2e.example")

        expect(row(dash, "Dara Quinn")).to_contain_text("Registered")
        expect(dash.locator('[data-counter="registered"]')).to_have_text("1")
        assert not owner.unchecked, f"the dashboard reloaded: {owner.unchecked}"
        owner.check("live")
        shoot(dash, "dashboard-live-desktop")


def qr_video(code: str, path: Path, size: int = 480) -> Path:
    """A one-frame Y4M "camera" showing the ticket's QR code, for Chromium's fake capture device."""
    rows = list(segno.make_qr(code, error="m").matrix_iter(scale=8, border=4))
    side = len(rows)
    assert side <= size, side
    luma = bytearray(b"\xff" * size * size)
    top = (size - side) // 2
    for y, line in enumerate(rows):
        for x, dark in enumerate(line):
            if dark:
                luma[(top + y) * size + top + x] = 0
    chroma = b"\x80" * (size // 2) * (size // 2)
    header = f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


@pytest.fixture
def camera_browser(playwright_instance: Playwright, chromium: Path, tmp_path: Path) -> Any:
    """A second Chromium whose camera films a file; the test writes the file before the camera starts."""
    video = tmp_path / "camera.y4m"
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = playwright_instance.chromium.launch(executable_path=str(chromium), args=args)
    yield browser, video
    browser.close()


class TestCameraScan:
    def test_a_ticket_held_to_the_camera_checks_in(
        self, visitor: Visitor, camera_browser: tuple[Browser, Path], axe_source: str
    ) -> None:
        server = visitor.server
        account = new_account("Priya", "Scanner Events")
        api_sign_up(server, account)
        token, org = api_token(server, account.email)
        event, ticket = api_event(server, token, capacity=10, title=f"Scan night {unique('')}")
        with server.api() as client:
            done = client.post(
                f"/api/public/events/{org['slug']}/{event['slug']}/registrations",
                json={"name": "Sam Rivera", "email": f"sam.{unique('')}@e2e.example", "ticket_type_id": ticket["id"]},
            )
        assert done.status_code == 201, done.text
        code = done.json()["ticket_url"].rsplit("/", 1)[1]
        browser, video = camera_browser
        qr_video(code, video)

        scanning = Visitor(browser, server, AxeChecker(axe_source, AXE_LOG), visitor.test_slug + "-camera")
        try:
            door = scanning.new_pilot(viewport=PHONE, permissions=["camera"])
            log_in(door, account.email, account.password)
            page = door.visit(f"/events/{event['id']}/door")
            page.get_by_role("button", name="Scan with the camera").click()
            expect(page.locator("[data-scan-status]")).to_contain_text("Hold the ticket")
            result = page.locator("#door-result")
            expect(result.locator(".doorresult--success")).to_contain_text("Checked in", timeout=15_000)
            expect(result).to_contain_text("Sam Rivera")
            door.check("scanned")
            shoot(page, "door-camera-phone")
            page.get_by_role("button", name="Stop camera").click()
            expect(page.get_by_label("Ticket code")).to_be_focused()
            assert not [e for p in scanning.pilots for e in p.server_errors]
        finally:
            scanning.close()


class TestWithoutHtmx:
    def test_dashboard_filters_actions_and_door_as_plain_forms(self, visitor: Visitor) -> None:
        server = visitor.server
        account = new_account("Noor", "Plainform Events")
        api_sign_up(server, account)
        token, org = api_token(server, account.email)
        event, ticket = api_event(server, token, capacity=10, title=f"Plain evening {unique('')}")
        codes = {}
        with server.api() as client:
            for name in ("Iris Vale", "Omar Haddad"):
                done = client.post(
                    f"/api/public/events/{org['slug']}/{event['slug']}/registrations",
                    json={
                        "name": name,
                        "email": f"{name.split()[0].lower()}.{unique('')}@e2e.example",
                        "ticket_type_id": ticket["id"],
                    },
                )
                assert done.status_code == 201, done.text
                codes[name] = done.json()["ticket_url"].rsplit("/", 1)[1]

        owner = visitor.new_pilot(htmx=False)
        log_in(owner, account.email, account.password)
        page = owner.visit(f"/events/{event['id']}/attendees")
        page.get_by_label("Search").fill("iris")
        owner.submit(page.get_by_role("button", name="Apply").click, url=re.compile(r"q=iris"))
        expect(row(page, "Omar Haddad")).to_have_count(0)
        owner.submit(
            row(page, "Iris Vale").get_by_role("button", name="Check in Iris Vale").click, url=re.compile(r"q=iris")
        )
        expect(page.locator("#toasts")).to_contain_text("Checked in Iris Vale.")
        expect(row(page, "Iris Vale")).to_contain_text("Checked in")

        page = owner.visit(f"/events/{event['id']}/door")
        page.get_by_label("Ticket code").fill(codes["Omar Haddad"])
        owner.submit(page.get_by_role("button", name="Check in", exact=True).click, url=re.compile(r"/door$"))
        expect(page.locator(".doorresult--success")).to_contain_text("Checked in")
        expect(page.get_by_label("Ticket code")).to_be_focused()
        page.get_by_label("Ticket code").fill("not-a-real-code")
        owner.submit(
            page.get_by_role("button", name="Check in", exact=True).click, url=re.compile(r"/door$"), status=404
        )
        expect(page.locator(".doorresult--error")).to_contain_text("No ticket with this code")
