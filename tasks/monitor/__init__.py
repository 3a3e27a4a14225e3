"""The monitor stage: drift and label-free accuracy estimates for every scored batch."""
