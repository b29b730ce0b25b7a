"""The exit status of every ``escalert`` command and of the worker.

- ``EXIT_OK`` (0): success.
- ``EXIT_PARTIAL`` (1): the command ran, but some inputs were invalid or some work failed.
- ``EXIT_USAGE`` (2): a usage or configuration error (one line on stderr, never a traceback).
- ``EXIT_UNAVAILABLE`` (3): a required service (Kafka, a receiver) was unreachable; for the worker,
  the broker it ran against is gone (a new cluster, a vanished topic) and a restart recovers.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_BROKER_LOST = EXIT_UNAVAILABLE  # the worker: its broker came back as another cluster

SUMMARY = ("Exit status: 0 ok, 1 some inputs invalid or some work failed, "
           "2 usage or configuration error, 3 a required service was unreachable.")
