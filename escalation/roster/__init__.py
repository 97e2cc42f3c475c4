"""Who works when: engineers, shifts, the follow-the-sun choice, coverage. See README.md here."""
