"""Routing tickets to people, alarms, escalation steps and notifications. See README.md here."""
