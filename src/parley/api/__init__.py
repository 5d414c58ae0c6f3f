"""HTTP adapters: parse, authenticate, call one domain function, serialise."""
