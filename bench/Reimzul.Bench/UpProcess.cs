using System.Diagnostics;
using System.Globalization;

/// <summary>`reimzul up` for a benchmark, its log going to a file: the benchmarks count createrepo_c runs in it.</summary>
internal static class UpProcess
{
    /// <param name="config">A config file for it (REIMZUL_CONFIG); null: the benchmark's own environment.</param>
    public static Process Start(string reimzul, string data, int workers, string log, string? config = null)
    {
        var psi = new ProcessStartInfo(reimzul) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (config is not null)
        {
            psi.Environment["REIMZUL_CONFIG"] = config;
        }
        foreach (var a in new[] { "up", "--data-dir", data, "--workers", workers.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        var file = new StreamWriter(log) { AutoFlush = true };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (file) { file.WriteLine(e.Data); } } };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }
}
