using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reimzul.Tests.EndToEnd;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Ui;

/// <summary>
/// One real <c>reimzul up</c> (two rpmbuild workers, the web role on a free loopback port, a writer's token) and one
/// headless chromium, shared by the tests of a class; each test builds its own packages in its own target.
/// </summary>
public sealed partial class UiFixture : IAsyncLifetime
{
    /// <summary>The token of the writer <c>ui-tester</c> in the web role's tokens file.</summary>
    public const string WriterToken = "ui-test-writer-0123456789abcdef";

    private readonly string _tokens = Path.Combine(Path.GetTempPath(), $"reimzul-ui-{Guid.NewGuid():N}.tokens");

    public UiFixture()
    {
        File.WriteAllText(_tokens, $"{WriterToken} ui-tester\n");
        Install = new Installation($"tokens = {_tokens}\n");
    }

    public Installation Install { get; }

    public Chromium Chromium { get; } = new();

    public RunningProcess Up { get; private set; } = null!;

    /// <summary>The web role's base URL, as <c>reimzul up</c> printed it.</summary>
    public Uri Web { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    [GeneratedRegex(@"web: (?<url>https?://\S+/)")]
    private static partial Regex WebLine();

    public async Task InitializeAsync()
    {
        if (Chromium.WhyUnavailable is not null)
        {
            return;
        }
        Up = await Install.StartUpAsync(workers: 2);
        await Up.WaitForLineAsync("web: http");
        Web = new Uri(Up.Lines.Select(l => WebLine().Match(l)).First(m => m.Success).Groups["url"].Value);
        Api = new HttpClient { BaseAddress = Web, Timeout = TimeSpan.FromSeconds(30) };
        await Chromium.InitializeAsync();
    }

    /// <summary>A browser page whose console errors and uncaught exceptions are collected in <paramref name="problems"/>.</summary>
    public async Task<IPage> OpenAsync(string path, List<string> problems)
    {
        var page = await Chromium.NewPageAsync();
        page.Console += (_, message) =>
        {
            // A refused API call is logged by chromium as a failed resource; the page shows it, the tests check that.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                problems.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");
        await page.GotoAsync(new Uri(Web, path).AbsoluteUri);
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        return page;
    }

    /// <summary>Builds an SRPM from <paramref name="spec"/>, submits it and returns its build id.</summary>
    public async Task<string> SubmitAsync(string spec, string target, string arch = "x86_64")
    {
        var srpm = await Install.MakeSrpmAsync(spec);
        var submitted = await Install.SubmitAsync(srpm, target, arch);
        var match = Regex.Match(submitted.StandardOutput, @"build id (\S+),");
        Assert.True(match.Success, $"no build id in: {submitted.StandardOutput}");
        return match.Groups[1].Value;
    }

    /// <summary>GET /api/v1/builds/{id}, as the pages read it.</summary>
    public async Task<JsonElement> BuildAsync(string buildId)
    {
        using var response = await Api.GetAsync($"api/v1/builds/{Uri.EscapeDataString(buildId)}");
        if (!response.IsSuccessStatusCode)
        {
            return default;
        }
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The status of each arch of a build, as the API reports it (empty while the API does not know the build yet).</summary>
    public async Task<Dictionary<string, string>> ArchStatusesAsync(string buildId)
    {
        var build = await BuildAsync(buildId);
        if (build.ValueKind != JsonValueKind.Object)
        {
            return [];
        }
        return build.GetProperty("arches").EnumerateArray()
            .ToDictionary(a => a.GetProperty("arch").GetString()!, a => a.GetProperty("status").GetString()!);
    }

    /// <summary>Waits until the API reports each of <paramref name="arches"/> of the build in a final status.</summary>
    public async Task<Dictionary<string, string>> WaitForEndAsync(string buildId, params string[] arches)
    {
        Dictionary<string, string> statuses = [];
        await Eventually.WaitAsync(
            async () => (statuses = await ArchStatusesAsync(buildId)) is var s
                && arches.All(a => s.TryGetValue(a, out var status) && status is not ("Queued" or "Building")),
            TimeSpan.FromSeconds(120),
            () => $"build {buildId}: [{string.Join(", ", statuses.Select(kv => $"{kv.Key}={kv.Value}"))}], expected a result for {string.Join(", ", arches)}\n{Up.Describe()}");
        return statuses;
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        Api?.Dispose();
        if (Up is not null)
        {
            await Up.DisposeAsync();
        }
        Install.Dispose();
        File.Delete(_tokens);
    }
}

/// <summary>The UI test classes share one <c>reimzul up</c> and one chromium, one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<UiFixture>
{
    public const string Name = "web UI";
}
