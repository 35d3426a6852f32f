"""CloudWatch's StandardUnit values: what a datapoint's unit may be (PutMetricData, EMF documents, the SDK).
Kept here, free of dependencies, so the SDK can check units without botocore."""

STANDARD_UNITS = frozenset(
    {
        *("Seconds", "Microseconds", "Milliseconds", "Percent", "Count", "Count/Second", "None"),
        *("Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes"),
        *("Bits", "Kilobits", "Megabits", "Gigabits", "Terabits"),
        *("Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second"),
        *("Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second"),
    }
)
