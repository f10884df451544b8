using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Reimzul.History;
using Reimzul.Tests.Support;
using Reimzul.Benchmarks;

// The web UI benchmark of BENCHMARKS.md: the dashboard loaded in Debian's chromium (a fresh browser context per
// run, so nothing is cached) from `reimzul web` over a generated history of N builds, against the same page over an
// empty history in the same run. Two figures per load: first contentful paint (the page's frame) and the moment
// the dashboard shows its data (queues, builders and the 25 newest builds painted: the "reimzul:ready" mark).
var reimzul = Option("--reimzul", "/usr/local/bin/reimzul");
var builds = int.Parse(Option("--builds", "1000000"), CultureInfo.InvariantCulture);
var runs = int.Parse(Option("--runs", "30"), CultureInfo.InvariantCulture);
Console.WriteLine($"web UI: dashboard in chromium, {runs} cold loads each, history of {builds:N0} builds against an empty one; reimzul: {reimzul}");

using var work = new TempDir("reimzul-ui-bench");
var empty = await PrepareAsync("empty", 0);
var big = await PrepareAsync("big", builds);

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium",
    Headless = true,
    Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
});

foreach (var (name, dataDir, count) in new[] { ("empty history", empty, 0), ($"{builds:N0} builds", big, builds) })
{
    var (process, url) = await StartWebAsync(dataDir);
    try
    {
        var paints = new List<double>();
        var readies = new List<double>();
        for (var i = 0; i < runs + 2; i++)
        {
            var (paint, ready) = await LoadAsync(browser, url);
            // The first two loads warm the server's caches and chromium's process pool.
            if (i >= 2)
            {
                paints.Add(paint);
                readies.Add(ready);
            }
        }
        Console.WriteLine($"  {name,-18}: first contentful paint median {Percentile(paints, 50):0} ms, p95 {Percentile(paints, 95):0} ms; " +
            $"data shown median {Percentile(readies, 50):0} ms, p95 {Percentile(readies, 95):0} ms");
    }
    finally
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }
}
return 0;

static async Task<(double Paint, double Ready)> LoadAsync(IBrowser browser, string url)
{
    await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
    var page = await context.NewPageAsync();
    await page.GotoAsync(url);
    await page.Locator("#page[data-ready=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
    // Both measured by chromium from the start of the navigation.
    var times = await page.EvaluateAsync<double[]>("""
        () => new Promise(resolve => requestAnimationFrame(() => setTimeout(() => {
          const paint = performance.getEntriesByName("first-contentful-paint")[0];
          const ready = performance.getEntriesByName("reimzul:ready")[0];
          resolve([paint ? paint.startTime : -1, ready ? ready.startTime : -1]);
        })))
        """);
    return (times[0], times[1]);
}

async Task<string> PrepareAsync(string name, int count)
{
    var dataDir = work.Combine(name);
    var path = Path.Combine(dataDir, "history.db");
    Directory.CreateDirectory(dataDir);
    await (await SqliteHistoryStore.OpenAsync(path)).DisposeAsync();
    if (count == 0)
    {
        return dataDir;
    }
    var generate = Stopwatch.StartNew();
    await HistoryGenerator.FillAsync(path, count);
    Console.WriteLine($"  generated {count:N0} builds in {generate.Elapsed.TotalSeconds:0.0} s");
    return dataDir;
}

async Task<(Process Process, string Url)> StartWebAsync(string dataDir)
{
    var config = Path.Combine(dataDir, "reimzul.ini");
    await File.WriteAllTextAsync(config, "[web]\nlisten = 127.0.0.1\nport = 0\n");
    var start = new ProcessStartInfo(reimzul) { RedirectStandardError = true, RedirectStandardOutput = true };
    foreach (var argument in new[] { "web", "--config", config, "--data-dir", dataDir })
    {
        start.ArgumentList.Add(argument);
    }
    var process = Process.Start(start)!;
    var url = new TaskCompletionSource<string>();
    void Read(string? line)
    {
        if (line is not null && Regex.Match(line, @"(https?://127\.0\.0\.1:\d+/)") is { Success: true } m)
        {
            url.TrySetResult(m.Groups[1].Value);
        }
    }
    process.ErrorDataReceived += (_, e) => Read(e.Data);
    process.OutputDataReceived += (_, e) => Read(e.Data);
    process.BeginErrorReadLine();
    process.BeginOutputReadLine();
    return (process, await url.Task.WaitAsync(TimeSpan.FromSeconds(60)));
}

static double Percentile(List<double> values, int p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
