"""The VM sizes managed online deployments accept (the SKU list the validator also reads), with
their cores and memory, and the smallest that holds a container of a given size."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..documents.rules.settings import SKU_FILE, SMALL_SKUS
from ..resources import data_path

MEMORY_FILE = data_path("managed-online-sku-memory.tsv")
_SPELLING = re.compile(r"^STANDARD_([A-Z]+)(\d+)([A-Z]*)(_.*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class VmSize:
    sku: str  # as documented, e.g. STANDARD_F4S_V2
    cores: int
    memory_gib: float

    @property
    def name(self) -> str:
        """The spelling deployment YAML uses: Standard_F4s_v2."""
        match = _SPELLING.match(self.sku)
        if match is None:
            return self.sku
        series, number, features, rest = match.groups()
        return f"Standard_{series.upper()}{number}{features.lower()}{(rest or '').lower()}"


def _rows(path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines[2:] if line.strip() and not line.startswith("#")]


@functools.cache
def cpu_sizes() -> tuple[VmSize, ...]:
    """Every size without a GPU, smallest first (fewest cores, then least memory)."""
    memory = {sku.upper(): float(gib) for sku, gib in _rows(MEMORY_FILE)}
    sizes = [
        VmSize(sku, int(cores), memory[sku.upper()])
        for _family, sku, gpus, cores, *_ in _rows(SKU_FILE)
        if gpus == "0" and sku.upper() in memory
    ]
    return tuple(sorted(sizes, key=lambda s: (s.cores, s.memory_gib, s.sku)))


def smallest_fitting(cores: float, memory_gib: float) -> VmSize | None:
    """The smallest size with at least `cores` and `memory_gib`, leaving out the sizes Azure ML
    warns are too small for most models (DS1_v2, DS2_v2); None when none is large enough."""
    return next((s for s in cpu_sizes() if s.sku.lower() not in SMALL_SKUS and s.cores >= cores and s.memory_gib >= memory_gib), None)
