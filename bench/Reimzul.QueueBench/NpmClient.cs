using System.Globalization;
using System.Text.Json;
using Reimzul.Processes;

namespace Reimzul.QueueBench;

/// <summary>The fivebeans client from npm, installed into a temporary dir, driven by fivebeans-driver.js.</summary>
internal sealed class NpmClient(string modulesDir, string version)
{
    public const string Package = "fivebeans";
    public const string PinnedVersion = "1.5.0";

    public string Version => version;

    public static async Task<NpmClient> InstallAsync(string dir)
    {
        Directory.CreateDirectory(dir);
        var install = await ProcessRunner.Default.RunAsync(new ProcessSpec("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", $"{Package}@{PinnedVersion}"])
        {
            Timeout = TimeSpan.FromMinutes(3),
        });
        if (!install.Succeeded)
        {
            throw new InvalidOperationException($"npm install {Package}@{PinnedVersion} failed ({install.ExitCode}): {install.StandardError}");
        }
        var node = await ProcessRunner.Default.RunAsync(new ProcessSpec("node", ["--version"]));
        return new NpmClient(Path.Combine(dir, "node_modules"), $"{Package} {PinnedVersion} on node {node.StandardOutput.Trim()}");
    }

    /// <summary>Runs the driver; returns the seconds it measured for <paramref name="cycles"/> cycles.</summary>
    public async Task<double> RunSequentialAsync(int port, string tube, int cycles, int bodyBytes)
    {
        var driver = Path.Combine(AppContext.BaseDirectory, "fivebeans-driver.js");
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("node",
            [driver, port.ToString(CultureInfo.InvariantCulture), tube, cycles.ToString(CultureInfo.InvariantCulture), bodyBytes.ToString(CultureInfo.InvariantCulture)])
        {
            Environment = new Dictionary<string, string?> { ["NODE_PATH"] = modulesDir },
            Timeout = TimeSpan.FromMinutes(5),
        });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"the fivebeans driver failed ({result.ExitCode}): {result.StandardError}");
        }
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.GetProperty("seconds").GetDouble();
    }
}
