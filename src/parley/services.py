"""The long-lived objects of one Parley instance, made once by ``create_app(settings)``."""

from __future__ import annotations

from dataclasses import dataclass

from parley.posts.render import Renderer
from parley.ratelimit import Limiter
from parley.settings import Settings
from parley.store.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    renderer: Renderer
    limiter: Limiter

    @classmethod
    def build(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            renderer=Renderer(settings.base_url),
            limiter=Limiter(settings),
        )

    def close(self) -> None:
        self.db.dispose()
