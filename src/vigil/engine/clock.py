"""Wall-clock time in the units CloudWatch uses."""

import time


def now_ms() -> int:
    return int(time.time() * 1000)
