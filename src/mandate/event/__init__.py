"""Event hub: events with a schedule, ticket types, capacity, attendees, waitlist and check-in."""
