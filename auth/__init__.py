"""Accounts, roles and region scopes (interfaces.md §4)."""
