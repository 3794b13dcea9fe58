"""verdict.Error: what the engine raises from Python, with the command line's one-line message."""


class Error(Exception):
    """An error of the verdict engine (bad input, option or bundle); the message is the line the
    command line prints after `verdict: error: `."""
