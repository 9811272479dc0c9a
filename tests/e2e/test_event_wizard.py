"""Build and publish an event through the wizard, with a live validation error shown and fixed."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.flows import start_as_new_owner
from tests.e2e.harness import Pilot, Visitor

DAY = (date.today() + timedelta(days=40)).isoformat()


def fill_basics(pilot: Pilot) -> None:
    page = pilot.page
    page.get_by_label("Title").fill("Founders' Exit Forum")
    page.get_by_label("Description").fill("Founders who sold, on what they wish they had known.")
    page.get_by_label("Starts").fill(f"{DAY}T09:00")
    page.get_by_label("Ends", exact=True).fill(f"{DAY}T08:00")
    # Live validation: the end is checked as it is typed, without submitting the form.
    error = page.locator("#ends_at-error")
    expect(error).to_have_text("The event must end after it starts")
    assert not pilot.unchecked, "live validation should not reload the page"
    pilot.check("end-before-start")
    page.get_by_label("Ends", exact=True).fill(f"{DAY}T13:00")
    expect(error).to_have_text("")
    page.get_by_label("Venue", exact=True).fill("The Corn Exchange")


class TestEventWizard:
    def test_build_and_publish_an_event(self, pilot: Pilot, visitor: Visitor) -> None:
        start_as_new_owner(pilot, "Evan", "Exchange Events")
        page = pilot.visit("/events")
        expect(page.get_by_text("No events yet")).to_be_visible()
        pilot.submit(page.get_by_role("link", name="Create your first event").click, url=re.compile(r"/events/new$"))

        fill_basics(pilot)
        pilot.submit(
            page.get_by_role("button", name="Save and continue to the schedule").click,
            url=re.compile(r"/edit/schedule$"),
        )
        event_path = re.sub(r"/edit/schedule$", "", page.url.removeprefix(visitor.server.url))

        # Schedule: two sessions, the second moved above the first with the no-JS buttons.
        for title, start, end in (("Opening remarks", "09:00", "09:30"), ("Panel: selling well", "09:30", "10:30")):
            page.get_by_label("Session title").fill(title)
            page.get_by_label("Starts").fill(f"{DAY}T{start}")
            page.get_by_label("Ends", exact=True).fill(f"{DAY}T{end}")
            page.get_by_label("Room or track").fill("Main hall")
            if title.startswith("Panel"):
                page.get_by_label("Speakers").fill("Priya Shah | Founder, Lumen | Sold in 2024")
            pilot.submit(page.get_by_role("button", name="Add session").click, url=re.compile(r"/edit/schedule"))
            expect(page.locator("#toasts")).to_contain_text(f"Added {title}")
        pilot.submit(
            page.get_by_role("button", name="Move Panel: selling well up").click, url=re.compile(r"/edit/schedule")
        )
        titles = page.locator(".builder .sessionitem__title")
        expect(titles).to_have_text(["Panel: selling well", "Opening remarks"])
        pilot.submit(page.get_by_role("button", name="Continue to tickets").click, url=re.compile(r"/edit/tickets$"))

        # Tickets and capacity.
        page.get_by_role("textbox", name="Name", exact=True).fill("Founder pass")
        page.get_by_label("Quantity").fill("40")
        pilot.submit(page.get_by_role("button", name="Add ticket type").click, url=re.compile(r"/edit/tickets$"))
        expect(page.get_by_text("Founder pass · Free")).to_be_visible()
        page.get_by_label("Overall capacity").fill("35")
        page.get_by_label("Hours to claim a freed seat").fill("12")
        pilot.submit(page.get_by_role("button", name="Save and review").click, url=re.compile(r"/edit/review$"))

        # Review and publish.
        pilot.submit(page.get_by_role("button", name="Publish event").click, url=re.compile(rf"{event_path}$"))
        expect(page.locator("#toasts")).to_contain_text("Published Founders' Exit Forum")
        expect(page.get_by_text("Panel: selling well")).to_be_visible()

        # Leaving and coming back: the wizard resumes at the review step of the published event.
        pilot.submit(page.get_by_role("link", name="Edit event").click, url=re.compile(r"/edit/review$"))

        # The public page, as a visitor without an account, also at phone width.
        public_path = page.get_by_text(re.compile(r"^/e/")).first.inner_text()
        stranger = visitor.new_pilot()
        public = stranger.visit(public_path)
        expect(public.get_by_role("heading", level=1)).to_have_text("Founders' Exit Forum")
        expect(public.get_by_text("35 left")).to_be_visible()
        phone = visitor.new_pilot(viewport=(390, 844))
        narrow = phone.visit(public_path)
        assert narrow.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sideways scroll"

        events = pilot.visit("/events")
        expect(events.get_by_role("link", name="Founders' Exit Forum")).to_be_visible()

    def test_wizard_works_without_javascript(self, visitor: Visitor) -> None:
        pilot = visitor.new_pilot(htmx=False)
        start_as_new_owner(pilot, "Nora", "Plain Forms")
        page = pilot.visit("/events/new")
        page.get_by_label("Title").fill("Plain event")
        page.get_by_label("Starts").fill(f"{DAY}T10:00")
        page.get_by_label("Ends", exact=True).fill(f"{DAY}T09:00")
        pilot.submit(
            page.get_by_role("button", name="Save and continue to the schedule").click,
            url=re.compile(r"/events/new$"),
            status=422,
        )
        expect(page.locator("#ends_at-error")).to_have_text("The event must end after it starts")
        page.get_by_label("Ends", exact=True).fill(f"{DAY}T11:00")
        pilot.submit(
            page.get_by_role("button", name="Save and continue to the schedule").click,
            url=re.compile(r"/edit/schedule$"),
        )
        phone = visitor.new_pilot(viewport=(390, 844))
        start_as_new_owner(phone, "Pia", "Phone Events")
        narrow = phone.visit("/events/new")
        assert narrow.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sideways scroll"
