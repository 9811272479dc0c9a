"""Attendees of an event: registration, capacity, the waitlist with offers, check-in, lists and export."""
