"""The one exception type for bad user input; the CLI prints it as a single line and exits 2."""


class UserError(Exception):
    """Bad input from the user (file, field, argument). The message names it and what is allowed."""
