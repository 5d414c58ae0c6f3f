"""Domain errors. The HTTP adapters map each to a status code and Mastodon's error shape."""

from __future__ import annotations


class ParleyError(Exception):
    """Base of all domain errors; ``message`` is shown to the person.

    A message with numbers in it is a template with ``%(name)s`` variables, so the pages
    can translate it (``template``) before filling them in (``variables``)."""

    status = 400

    def __init__(self, message: str, /, **variables: object) -> None:
        text = message % variables if variables else message
        super().__init__(text)
        self.message = text
        self.template = message
        self.variables = variables


class Invalid(ParleyError):
    """The input breaks a rule (length, format, limit)."""

    status = 422


class NotFound(ParleyError):
    """The thing does not exist, or the viewer may not know that it does."""

    status = 404


class Unauthorized(ParleyError):
    """No valid credentials were presented."""

    status = 401


class Forbidden(ParleyError):
    """The viewer is known but may not do this."""

    status = 403


class Conflict(ParleyError):
    """The request clashes with what is stored (a taken username, say)."""

    status = 409


class RateLimited(ParleyError):
    """Too many requests; ``reset`` is the epoch second the window ends."""

    status = 429

    def __init__(self, message: str, *, limit: int = 0, remaining: int = 0, reset: int = 0) -> None:
        super().__init__(message)
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
