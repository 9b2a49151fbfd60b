"""台账助手 (taizhang): campaign case ledgers in Excel — validate, merge, deadlines, lights, summaries."""

__version__ = "0.1.0"
