using System.Runtime.Versioning;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Deploy;

/// <summary>
/// Runs <c>systemd-analyze</c> on copies of the units in a temp dir, their <c>/usr/local/bin/reimzul</c> pointed at
/// an executable stub there: verify needs the ExecStart program to exist, and no systemd needs to run.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SystemdAnalyze : IDisposable
{
    public const string InstalledProgram = "/usr/local/bin/reimzul";

    private readonly TempDir _dir = new("reimzul-units");

    public SystemdAnalyze()
    {
        Stub = _dir.Combine("bin", "reimzul");
        Directory.CreateDirectory(Path.GetDirectoryName(Stub)!);
        File.WriteAllText(Stub, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Stub { get; }

    /// <summary>Writes <paramref name="unit"/>'s text, changed by <paramref name="edit"/>, to the temp dir; returns the path to load it by.</summary>
    public string Copy(UnitFile unit, Func<string, string>? edit = null)
    {
        var text = File.ReadAllText(unit.Path).Replace("ExecStart=" + InstalledProgram + " ", "ExecStart=" + Stub + " ", StringComparison.Ordinal);
        File.WriteAllText(_dir.Combine(unit.Name), edit is null ? text : edit(text));
        return _dir.Combine(unit.InstanceName);
    }

    /// <summary>
    /// <c>systemd-analyze verify</c>; the problems it finds in the unit, or none. Verify exits 0 for unknown keys and
    /// unparsable values, which it only logs, so every line it writes about the unit counts as a problem.
    /// </summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(string unitPath)
    {
        var result = await RunAsync("verify", unitPath);
        var name = Path.GetFileName(unitPath);
        var template = name.Contains('@', StringComparison.Ordinal) ? name[..(name.IndexOf('@', StringComparison.Ordinal) + 1)] : name;
        List<string> problems = [.. (result.StandardError + "\n" + result.StandardOutput)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(_dir.Path, StringComparison.Ordinal) || line.Contains(template, StringComparison.Ordinal))];
        if (!result.Succeeded && problems.Count == 0)
        {
            problems.Add($"systemd-analyze verify exited with {result.ExitCode}: {result.StandardError}");
        }
        return problems;
    }

    /// <summary>The overall exposure <c>systemd-analyze security --offline</c> gives the unit, and its report.</summary>
    public static async Task<(decimal Exposure, string Report)> SecurityAsync(string unitPath)
    {
        var result = await RunAsync("security", "--offline=yes", unitPath);
        var summary = result.StandardOutput.Split('\n').LastOrDefault(l => l.Contains("Overall exposure level", StringComparison.Ordinal));
        Assert.True(summary is not null, $"no exposure level from systemd-analyze security: {result.StandardError}");
        var number = summary[(summary.LastIndexOf(':') + 1)..].Trim().Split(' ')[0];
        return (decimal.Parse(number, System.Globalization.CultureInfo.InvariantCulture), result.StandardOutput);
    }

    private static async Task<ProcessResult> RunAsync(params string[] arguments)
    {
        try
        {
            return await ProcessRunner.Default.RunAsync(new ProcessSpec("systemd-analyze", arguments)
            {
                Environment = new Dictionary<string, string?> { ["SYSTEMD_COLORS"] = "0", ["SYSTEMD_PAGER"] = "" },
                Timeout = TimeSpan.FromSeconds(60),
            });
        }
        catch (ProcessStartException ex)
        {
            throw new InvalidOperationException("systemd-analyze is missing (apt-get install -y systemd)", ex);
        }
    }

    public void Dispose() => _dir.Dispose();
}
