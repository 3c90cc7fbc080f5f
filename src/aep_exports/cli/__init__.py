"""Command-line interface: parses flags, calls one function, renders, exits."""
