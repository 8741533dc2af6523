"""Registration tokens (public schema). The model arrives with the registration-token work."""
