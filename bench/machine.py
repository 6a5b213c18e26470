"""What machine a benchmark ran on, printed at the top of every benchmark's output."""
import os
import platform

import numpy as np


def describe() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"platform: {platform.platform()}\ncpu: {cpu}\ncores: {os.cpu_count()}\n"
            f"python: {platform.python_version()}  numpy: {np.__version__}")
