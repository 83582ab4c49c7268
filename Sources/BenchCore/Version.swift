/// The release of ibkit, as `--version`, the control protocol's `hello` and run headers give it.
public let ibkitVersion = "0.1.0"
