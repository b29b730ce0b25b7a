"""How much memory the worker's RocksDB tables may take.

Faust opens every partition of every table as a RocksDB database of its own, by default with a
64 MB write buffer (up to three) and a 2 GB block cache each: a worker with four tables of four
partitions grows by hundreds of megabytes as it writes, long after it started. The tables here
are small and mostly written (the consolidation state, the calendar, the trajectories, the
duplicate marks), so smaller buffers do: measured with ``bench/bench_events.py worker --signals
80000 --reports 8`` (docs/performance.md, "Memory of the tables"), the worker's peak went from
455-458 MB with Faust's defaults to 310-333 MB, at the same rate. (4 MB buffers, two at most,
gave 269 MB but more flushes and a slower worker.)
"""

from __future__ import annotations

from typing import Any

MB = 1024 * 1024
WRITE_BUFFER_BYTES = 16 * MB  # per partition database; flushed to disk when full
MAX_WRITE_BUFFERS = 3  # the one being written and up to two being flushed (as Faust)
BLOCK_CACHE_BYTES = 16 * MB  # per partition database (reads of what was flushed)
BLOCK_CACHE_COMPRESSED_BYTES = 1 * MB


def table_options() -> dict[str, Any]:
    """Store options for a worker table (a new dict each time: Faust's RocksDB store takes keys
    out of the one it is given). The memory store ignores them."""
    return {"write_buffer_size": WRITE_BUFFER_BYTES, "max_write_buffer_number": MAX_WRITE_BUFFERS,
            "block_cache_size": BLOCK_CACHE_BYTES,
            "block_cache_compressed_size": BLOCK_CACHE_COMPRESSED_BYTES}
