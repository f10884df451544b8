namespace Reimzul.Build;

/// What mock's exit codes mean (mockbuild/exception.py), pointing at the log to read.
internal static class MockExitCodes
{
    public static string? Describe(int exitCode) => exitCode switch
    {
        1 => "unknown error",
        2 => "run without the setuid wrapper",
        3 => "invalid configuration",
        4 => "only some packages were built during --chain",
        5 => "command line error",
        6 => "invalid architecture",
        10 => "rpmbuild failed (see build.log)",
        11 => "command timed out (see build.log)",
        20 => "chroot problem (see root.log)",
        25 => "LVM manipulation error",
        30 => "package manager error (see root.log)",
        31 => "unknown external dependency (see root.log)",
        40 => "bad source RPM",
        50 => "mock command failed",
        60 => "buildroot locked by another build",
        65 => "LVM thin pool locked",
        70 => "result dir could not be created",
        80 => "unshare of namespace failed",
        110 => "unbalanced call to state functions",
        120 => "weak dependent package not installed (see root.log)",
        129 => "killed by SIGHUP",
        141 => "killed by SIGPIPE",
        143 => "killed by SIGTERM",
        _ => null,
    };
}
