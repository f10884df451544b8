using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Benchmarks;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Support;
using Reimzul.Web;

// The API benchmark of BENCHMARKS.md: a SQLite history of N builds (a Done and a result row each, over 20 targets and
// 2,500 packages per target), served by the real web role on loopback; GET the first page of /api/v1/builds filtered
// by a target, a package page, and the unfiltered first page, each --requests times over a warm connection, with
// a different target or package each time. Prints p50 and p95 of the whole request as the client sees it.
var builds = Option("--builds", 1_000_000);
var requests = Option("--requests", 300);
const int Targets = HistoryGenerator.Targets;
const int PackagesPerTarget = HistoryGenerator.PackagesPerTarget;
Console.WriteLine($"api: {builds:N0} builds over {Targets} targets, {requests} requests per endpoint");

using var work = new TempDir("reimzul-api-bench");
var paths = ReimzulPaths.UnderDataDir(work.Combine("data"));
await (await SqliteHistoryStore.OpenAsync(paths.HistoryDatabase)).DisposeAsync();
var generate = Stopwatch.StartNew();
await HistoryGenerator.FillAsync(paths.HistoryDatabase, builds);
Console.WriteLine($"api: generated {builds:N0} builds ({2L * builds:N0} rows) in {generate.Elapsed.TotalSeconds:0.0} s");

var config = new ReimzulConfig
{
    Paths = paths,
    Web = new WebOptions { Http = new HttpServiceOptions { Url = "http://unused/", Listen = "127.0.0.1", Port = 0 } },
};
await using var history = await SqliteHistoryStore.OpenAsync(paths.HistoryDatabase);
var server = WebRoleServer.Create(config, history, new EmbeddedJobQueueFactory(paths.QueueDatabase), NullLoggerFactory.Instance, TimeProvider.System);
await server.StartAsync(CancellationToken.None);
using var http = new HttpClient { BaseAddress = server.Addresses.Single() };

await MeasureAsync("builds list, first page filtered by target (limit 50)", i => $"api/v1/builds?target=c7.bench{i % Targets}.x86_64");
await MeasureAsync("package page (limit 50)", i => $"api/v1/packages/pkg{i * 7919 % PackagesPerTarget}");
await MeasureAsync("package page filtered by target (limit 50)", i => $"api/v1/packages/pkg{i * 7919 % PackagesPerTarget}?target=c7.bench{i % Targets}.x86_64");
await MeasureAsync("builds list, first page unfiltered (limit 50)", _ => "api/v1/builds");
await MeasureAsync("builds list, status=Failed and target (limit 200)", i => $"api/v1/builds?status=Failed&target=c7.bench{i % Targets}.x86_64&limit=200");

await server.StopAsync(CancellationToken.None);
await server.DisposeAsync();
return 0;

async Task MeasureAsync(string what, Func<int, string> path)
{
    // Warm-up: JIT, connection, SQLite page cache.
    for (var i = 0; i < 20; i++)
    {
        (await http.GetAsync(path(i))).EnsureSuccessStatusCode();
    }
    var times = new List<double>();
    long bytes = 0;
    for (var i = 0; i < requests; i++)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path(i));
        var body = await response.Content.ReadAsByteArrayAsync();
        clock.Stop();
        response.EnsureSuccessStatusCode();
        bytes += body.Length;
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    double At(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
    Console.WriteLine($"api: {what}: p50 {At(0.50):0.0} ms, p95 {At(0.95):0.0} ms, max {times[^1]:0.0} ms ({bytes / requests:N0} bytes per reply)");
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
