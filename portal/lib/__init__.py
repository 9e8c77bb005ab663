"""The shared library: what both feature apps use and neither owns (upstream client base, parsing, locks,
snapshots, freshness, rate limits, web helpers). It imports no feature app."""
