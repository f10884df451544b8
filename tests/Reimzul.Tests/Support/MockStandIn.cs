namespace Reimzul.Tests.Support;

/// <summary>
/// A stand-in for the mock program (mock is not installable here): a shell script that records its
/// arguments and what it found in its config dir, writes to stdout and stderr, and does what the
/// files next to it ask (exit code, own logs, an RPM to produce, a sleep in its own dir, so that a
/// leftover sleep can be found by its working directory).
/// </summary>
public sealed class MockStandIn
{
    private const string Script = """
        #!/bin/sh
        here=$(dirname "$0")
        : > "$here/argv"
        for a in "$@"; do printf '%s\0' "$a" >> "$here/argv"; done
        configdir=
        resultdir=
        for a in "$@"; do
            case "$a" in
                --configdir=*) configdir=${a#--configdir=} ;;
                --resultdir=*) resultdir=${a#--resultdir=} ;;
            esac
        done
        ls "$configdir" > "$here/configdir-listing"
        echo "INFO: stand-in mock building in $resultdir"
        echo "ERROR: stand-in mock stderr line" >&2
        if [ -f "$here/write-logs" ]; then
            echo "mock's own build log" > "$resultdir/build.log"
            echo "mock's own root log" > "$resultdir/root.log"
        fi
        if [ -f "$here/rpm" ]; then
            cp "$(cat "$here/rpm")" "$resultdir/"
        fi
        if [ -f "$here/sleep" ]; then
            cd "$here" || exit 1
            sleep "$(cat "$here/sleep")"
        fi
        if [ -f "$here/exit-code" ]; then
            exit "$(cat "$here/exit-code")"
        fi
        exit 0
        """;

    private readonly string _dir;

    public MockStandIn(string dir)
    {
        _dir = dir;
        Directory.CreateDirectory(dir);
        Path = System.IO.Path.Combine(dir, "mock");
        File.WriteAllText(Path, Script.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The executable to use as MockPath.</summary>
    public string Path { get; }

    public void ExitsWith(int code) => File.WriteAllText(Combine("exit-code"), code.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void WritesItsOwnLogs() => File.WriteAllText(Combine("write-logs"), "");

    public void Produces(string rpmFile) => File.WriteAllText(Combine("rpm"), rpmFile);

    public void Sleeps(int seconds) => File.WriteAllText(Combine("sleep"), seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The arguments of the last run, exactly as received.</summary>
    public IReadOnlyList<string> RecordedArguments()
    {
        var text = File.ReadAllText(Combine("argv"));
        return text.Length == 0 ? [] : text.TrimEnd('\0').Split('\0');
    }

    /// <summary>The files that were in --configdir when the stand-in ran.</summary>
    public IReadOnlyList<string> ConfigDirListing() =>
        File.ReadAllLines(Combine("configdir-listing")).Where(l => l.Length > 0).ToList();

    private string Combine(string name) => System.IO.Path.Combine(_dir, name);
}
