"""A Faust agent that does nothing (baseline for bench/stream_throughput.py).

Run: python bench/_stream_noop_app.py BROKER TOPIC APP_ID N OUT.json
Iterates the topic event by event (as a typical Faust agent does), and when it has seen N events
writes {"n", "first", "last"} (wall-clock seconds) and "cpu" (process CPU seconds between the
first and the last event) to OUT.json and exits.
"""

from __future__ import annotations

import json
import os
import sys
import time

import faust

broker, topic_name, app_id, n_target, out = sys.argv[1:6]
N = int(n_target)
app = faust.App(app_id, broker=f"kafka://{broker}", store="memory://", web_enabled=False, web_bind="127.0.0.1",
                topic_disable_leader=True, consumer_auto_offset_reset="earliest",
                broker_session_timeout=6, broker_heartbeat_interval=1)
topic = app.topic(topic_name, key_serializer="raw", value_serializer="raw")
state = {"n": 0, "first": 0.0, "cpu_first": 0.0}


@app.agent(topic)
async def noop(stream):
    async for _event in stream.events():
        state["n"] += 1
        if state["n"] == 1:
            state["first"] = time.time()
            state["cpu_first"] = time.process_time()
        if state["n"] >= N:
            with open(out, "w") as fh:
                json.dump({"n": state["n"], "first": state["first"], "last": time.time(),
                           "cpu": time.process_time() - state["cpu_first"]}, fh)
            os._exit(0)


if __name__ == "__main__":
    sys.argv = [sys.argv[0], "worker", "-l", "warn", "--without-web"]
    app.main()
