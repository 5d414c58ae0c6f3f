"""Posts: writing, editing, deleting, interacting, and reading them for a viewer."""
