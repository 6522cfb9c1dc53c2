"""Plain types, enums and errors. Standard library only."""
