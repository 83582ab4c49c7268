// RDMABench: filled by its issue.
