"""The REST API v1 (DESIGN.md, "REST API"): composes the tickets and escalation apps."""
