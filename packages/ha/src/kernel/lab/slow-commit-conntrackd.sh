#!/bin/sh
# conntrackd whose commit (-c) starts 1 s late: the lab's stand-in for the
# commit of a large flow table (seconds for hundreds of thousands of flows),
# the window in which a new master owns the VIP but not yet the flows.
# Everything else is the real /usr/sbin/conntrackd.
for arg in "$@"; do
  if [ "$arg" = "-c" ]; then sleep 1; fi
done
exec /usr/sbin/conntrackd "$@"
