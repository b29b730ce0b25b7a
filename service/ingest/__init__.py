"""``escalert ingest``: real news into the ``articles`` topic.

Pure parts (no I/O), each testable alone:

- :mod:`.canon`: canonical URLs and stable article ids;
- :mod:`.feeds`: RSS/Atom/RDF bytes -> feed items (feedparser);
- :mod:`.extract`: article page bytes -> main text (trafilatura), with limits;
- :mod:`.gdelt`: GDELT 2.0's update list and events export -> filtered source URLs;
- :mod:`.language`: the language of a text (py3langid, offline);
- :mod:`.schedule`: when a source is next due (interval, backoff with jitter, Retry-After).

I/O at the edges:

- :mod:`.fetch`: polite HTTP (conditional GET, redirects recorded, per-host limits, robots.txt);
- :mod:`.state`: seen items and per-source health in a compacted Kafka topic;
- :mod:`.runner`: the loop that polls the sources this instance owns and publishes articles,
  state and dead letters in one Kafka transaction per item.
"""
