"""The server-rendered web pages (DESIGN.md, "Web"): composes the tickets and escalation apps."""
