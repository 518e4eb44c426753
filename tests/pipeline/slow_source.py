"""A JSONL source that takes its time, so a test can kill a run in the middle of a stage."""

import time

from codeio.sources.files import JsonlSource


class SlowJsonlSource(JsonlSource):
    delay_s = 0.004

    def iter_items(self):
        for item in super().iter_items():
            time.sleep(self.delay_s)
            yield item
