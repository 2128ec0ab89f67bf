"""Profiling a deployment on the local Docker engine: how much CPU and memory it needs, how it
behaves under rising concurrency, and the settings to publish it with (issue 15).

`run.profile_deployment` runs one; `report` holds what it measured, `recommend` turns that into
settings, `write` puts them into the configuration as a minimal text edit, `chart` draws it."""

from .errors import ProfileError
from .options import ProfileOptions, Targets

__all__ = ["ProfileError", "ProfileOptions", "Targets"]
