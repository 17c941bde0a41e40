"""Sans-IO REST layer: calls, routes and the API catalogue."""
