"""interplay: pre-training, mid-training and RL on reasoning, in one controlled world."""

__version__ = "0.3.0"
