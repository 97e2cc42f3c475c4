"""Incidents: monitoring alerts (Prometheus Alertmanager, Events API v2) become incidents. See README.md."""
