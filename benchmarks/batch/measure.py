"""Run a command; print its wall seconds and peak resident memory as one JSON line.

    python measure.py COMMAND [ARGS...]

The peak is ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` after the command exits:
the largest resident set of any finished child of this wrapper, which is the
command itself (the wrapper starts nothing else). Linux reports it in KiB.
"""

import json
import resource
import subprocess
import sys
import time

started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - started
if done.returncode != 0:
    sys.exit(f"{sys.argv[1]} failed with exit status {done.returncode}")
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "max_rss_mb": peak_kib / 1024}))
