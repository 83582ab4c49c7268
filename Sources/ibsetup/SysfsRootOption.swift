import ArgumentParser

/// `--sysfs-root`: read a captured tree instead of this host.
struct SysfsRootOption: ParsableArguments {
    @Option(help: ArgumentHelp("Read sysfs (and /proc) under DIR instead of /: a captured tree (up and down need --dry-run).",
                               valueName: "dir"))
    var sysfsRoot: String?
}
