"""Which files to check, in which order, with which context: one algorithm for the CLI and the editor."""
