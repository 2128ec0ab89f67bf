"""The aml-deploy command line: argparse adapters over the capability packages."""

from .main import main

__all__ = ["main"]
