"""URL paths more than one app needs to recognise."""

# The agent API: what agents call, with their own credentials (a registration token, the
# agent's secret) or none (ping); never a session (portal.console_middleware).
AGENT_API = ("/api/v1/agents/", "/api/v1/ping")
