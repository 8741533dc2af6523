"""The original vendor's Account Management API v2, answered by this portal's own services.

MSPs moving here keep the scripts they wrote against the original product: the same paths
(`/api/2/...`, the older `/bc/...`, the plan script's `/api/policy_management/v4/...`),
bodies, answers and error shape. Every view here only translates: ids (`ids`), scopes
(`scopes`) and shapes in, then the very services, selectors, authorization door and audit
trail `/api/v1` uses (tokens, API clients, agents' plan changes). No rule lives here.

It sits above `agents` in the layers (portal > vendorapi > agents > tokens > tenants) and has
no models: the UUIDs it names tenants and users by are columns of `tenants`.
"""
