// TCPBench: filled by its issue.
