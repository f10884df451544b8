using System.Text.Json;
using System.Text.RegularExpressions;
using Reimzul.Tests.EndToEnd;

namespace Reimzul.Tests.Api;

/// <summary><c>reimzul up</c>, the real program: it prints where the web role listens, and a build shows there.</summary>
public sealed partial class UpServesTheApiFacts : IDisposable
{
    private readonly Installation install = new();

    public void Dispose() => install.Dispose();

    [GeneratedRegex(@"web: (http://\S+/) ")]
    private static partial Regex WebLine();

    [Fact]
    public async Task UpPrintsTheUrlOfTheApiAndABuildSubmittedThereShowsWithItsResult()
    {
        var srpm = await install.MakeSrpmAsync(Support.SrpmFactory.NoarchSpec("webhello"));
        await using var up = await install.StartUpAsync(workers: 1);
        await up.WaitForLineAsync("web: http://");
        var url = new Uri(WebLine().Match(up.Output).Groups[1].Value);
        using var http = new HttpClient { BaseAddress = url };

        await install.SubmitAsync(srpm, "c7.web", "noarch");
        await install.WaitForResultsAsync("webhello-1.0-1.src.rpm", "noarch");
        JsonElement row = default;
        await Support.Eventually.WaitAsync(() =>
        {
            var builds = JsonDocument.Parse(http.GetStringAsync("api/v1/builds?package=webhello").Result).RootElement.GetProperty("builds");
            row = builds.EnumerateArray().FirstOrDefault(b => b.GetProperty("status").GetString() == "Success");
            return row.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(30), () => "no Success row in /api/v1/builds?package=webhello");

        var buildId = row.GetProperty("build_id").GetString()!;
        var build = JsonDocument.Parse(await http.GetStringAsync($"api/v1/builds/{buildId}")).RootElement;
        var arch = Assert.Single(build.GetProperty("arches").EnumerateArray());
        Assert.Equal("Success", arch.GetProperty("status").GetString());
        Assert.Contains(arch.GetProperty("rpms").EnumerateArray(), r => r.GetString()!.EndsWith("webhello-1.0-1.el7.noarch.rpm", StringComparison.Ordinal));
        var metrics = await http.GetStringAsync("metrics");
        Assert.Contains("reimzul_builds_finished_total{arch=\"noarch\",status=\"Success\",target=\"c7.web.noarch\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("reimzul_createrepo_runs_total{result=\"success\",target=\"c7.web.noarch\"}", metrics, StringComparison.Ordinal);
    }
}
