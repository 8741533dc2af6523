"""API clients: scripts that call the REST API with an OAuth 2.0 access token.

`services` creates and deletes them and makes a client's principal, `selectors` reads them,
`oauth` is the token endpoint and its validator, `authentication` turns a Bearer token into
the principal, `apis` and `views` are the API and the Management portal page. The model
(`ApiClient`) stays in `tenants.models`.
"""
