"""Journey insights: friction, moments of truth, conformance, discovery and segments."""
