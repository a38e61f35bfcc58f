"""The command-line interface: thin Typer commands that parse, call and render."""
