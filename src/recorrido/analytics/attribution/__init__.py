"""Multi-touch attribution: which channels and touchpoints earn the conversions."""
