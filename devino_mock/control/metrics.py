"""`GET /_mock/metrics`: Prometheus text (mock-interface.md §14). Each emulator has its own
registry (no process-wide one: several emulators may live in one test process). Message and
callback counts are read from the platform when scraped; requests and their latency are
counted as the request journal records them. prometheus_client loads on the first scrape,
not at start-up."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter as Tally
from itertools import accumulate

from aiohttp import web

from devino_mock.control.table import Call
from devino_mock.core.platform import Platform

LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class PlatformCollector:
    """Messages by channel, transport and status, and callbacks by kind and state, as they stand."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        messages = GaugeMetricFamily("devino_mock_messages", "Messages in the journal",
                                     labels=["channel", "transport", "status"])
        for (channel, transport, status), count in sorted(Tally(
                (m.channel, m.transport, m.status) for m in self.platform.store.messages()).items()):
            messages.add_metric([channel, transport, status], count)
        yield messages
        callbacks = GaugeMetricFamily("devino_mock_callbacks", "Callbacks by kind and state",
                                      labels=["kind", "state"])
        for (kind, state), count in sorted(Tally((c.kind, c.state) for c in self.platform.outbox.callbacks()).items()):
            callbacks.add_metric([kind, state], count)
        yield callbacks
        incoming = GaugeMetricFamily("devino_mock_incoming", "Incoming messages", labels=["channel"])
        for channel, count in sorted(Tally(m.channel for m in self.platform.incoming_messages()).items()):
            incoming.add_metric([channel], count)
        yield incoming


class RequestTally:
    """Requests per surface and answer, and their latency per surface: two dictionary updates
    per request (a prometheus_client child costs a lock and a label lookup each), turned into
    Prometheus families when scraped."""

    def __init__(self) -> None:
        self.answers: Tally = Tally()  # (surface, status) -> requests
        self.latency: dict[str, list] = {}  # surface -> [count per bucket, the last one +Inf; sum]

    def observe(self, entry, seconds: float) -> None:
        """A journalled request (control/watch.py calls this for each)."""
        self.answers[entry.surface, entry.status] += 1
        histogram = self.latency.get(entry.surface)
        if histogram is None:
            histogram = self.latency[entry.surface] = [[0] * (len(LATENCY_BUCKETS) + 1), 0.0]
        histogram[0][bisect_left(LATENCY_BUCKETS, seconds)] += 1
        histogram[1] += seconds

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
        from prometheus_client.utils import floatToGoString

        requests = CounterMetricFamily("devino_mock_requests", "Requests per surface and answer",
                                       labels=["surface", "status"])
        by_label: Tally = Tally()  # an int status and its text are one label value
        for (surface, status), count in self.answers.items():
            by_label[surface, str(status)] += count
        for (surface, status), count in sorted(by_label.items()):
            requests.add_metric([surface, status], count)
        yield requests
        latency = HistogramMetricFamily("devino_mock_request_seconds", "Time to answer a request, per surface",
                                        labels=["surface"])
        for surface, (counts, total) in sorted(self.latency.items()):
            cumulative = list(accumulate(counts))
            buckets = [(floatToGoString(bound), n) for bound, n in zip(LATENCY_BUCKETS, cumulative)]
            latency.add_metric([surface], buckets + [("+Inf", cumulative[-1])], total)
        yield latency


class Metrics:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.tally = RequestTally()
        self.observe = self.tally.observe
        self._registry = None  # made on the first scrape

    async def scrape(self, call: Call) -> web.Response:
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        if self._registry is None:
            self._registry = CollectorRegistry(auto_describe=False)
            self._registry.register(self.tally)
            self._registry.register(PlatformCollector(self.platform))
        # Counting messages is linear in the journal; it stays well under the loop's budget
        # at the journal sizes the emulator keeps (--max-messages).
        body = generate_latest(self._registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
