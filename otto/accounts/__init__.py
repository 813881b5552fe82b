"""Accounts: agencies, users, passwords, login throttling and the web login pages."""
