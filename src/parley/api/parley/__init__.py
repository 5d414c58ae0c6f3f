"""Parley's own API under ``/api/parley/v1/`` (described at ``/api/parley/v1/openapi.json``)."""
