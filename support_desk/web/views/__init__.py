"""Views of the web pages: `customers` (no account, the private link is the key) and `desk` (engineers)."""
