"""Transparency: statements of reasons, the Merkle log, signed tree heads, reports, export."""
