"""Durable jobs: side effects written to an outbox table in the causing transaction."""
