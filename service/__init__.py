"""The platform as a service: the ASGI entry (serve.py), cookie sessions, scheduled jobs, health and JSON logs."""
