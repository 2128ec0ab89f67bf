"""The aml-deploy command line: argparse adapters over the capability packages."""

from .program import main

__all__ = ["main"]
