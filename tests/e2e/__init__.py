"""End-to-end tests: a real ``parley serve`` process driven over HTTP by real clients."""
