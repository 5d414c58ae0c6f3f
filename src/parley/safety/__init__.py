"""Trust and safety: the rules catalog (``catalog``) and the pure policy engine (``policy``).

Reports, cases, decisions, appeals and the transparency log build on these two.
"""
