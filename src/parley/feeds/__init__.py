"""Home feeds: per-account lists of the newest post ids, filled by fan-out on write."""
